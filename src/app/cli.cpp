#include "app/cli.h"

#include <CLI/CLI.hpp>

#include "app/bench_command.h"
#include "app/bench_dialer_command.h"
#include "app/bench_http_command.h"
#include "app/bench_store_command.h"
#include "app/bench_webhooks_command.h"
#include "app/migrate_command.h"
#include "app/rules_command.h"
#include "app/run_command.h"
#include "app/serve_command.h"
#include "app/worker_command.h"

namespace talky {

CLI::App* BenchGroup(CLI::App& app) {
  std::vector<CLI::App*> found =
      app.get_subcommands([](CLI::App* sub) { return sub->get_name() == "bench"; });
  if (!found.empty()) return found.front();
  CLI::App* bench = app.add_subcommand("bench", "Measure parts of Talky on this machine");
  bench->require_subcommand(1);
  return bench;
}

int RunCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{"Talky: outbound calling engine for AI voice agents", "talky"};
  app.set_version_flag("--version", std::string("talky ") + TALKY_VERSION);
  app.require_subcommand(0, 1);

  RunCommand run(app);
  RulesCommand rules(app);
  BenchCommand bench(app);
  MigrateCommand migrate(app);
  WorkerCommand worker(app);
  BenchDialerCommand bench_dialer(app);
  BenchStoreCommand bench_store(app);
  ServeCommand serve(app);
  BenchHttpCommand bench_http(app);
  BenchWebhooksCommand bench_webhooks(app);

  // CLI11 wants argv order reversed when given a vector.
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return kExitOk;
  } catch (const CLI::CallForAllHelp&) {
    out << app.help("", CLI::AppFormatMode::All);
    return kExitOk;
  } catch (const CLI::CallForVersion&) {
    out << std::string("talky ") + TALKY_VERSION << "\n";
    return kExitOk;
  } catch (const CLI::ParseError& error) {
    err << "talky: " << error.what() << "\nRun 'talky --help' for the commands and their flags.\n";
    return kExitUsage;
  }

  if (app.get_subcommands().empty()) {
    out << app.help();
    return kExitOk;
  }
  if (run.Selected()) return run.Run(out, err);
  if (rules.Selected()) return rules.Run(out, err);
  if (bench.Selected()) return bench.Run(out, err);
  if (migrate.Selected()) return migrate.Run(out, err);
  if (worker.Selected()) return worker.Run(out, err);
  if (bench_store.Selected()) return bench_store.Run(out, err);
  if (bench_dialer.Selected()) return bench_dialer.Run(out, err);
  if (serve.Selected()) return serve.Run(out, err);
  if (bench_http.Selected()) return bench_http.Run(out, err);
  if (bench_webhooks.Selected()) return bench_webhooks.Run(out, err);
  return kExitOk;
}

}  // namespace talky
