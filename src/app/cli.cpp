#include "app/cli.h"

#include <CLI/CLI.hpp>

#include "app/calls_command.h"
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

int RunCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
           const AddCommands& add_more) {
  CLI::App app{"Talky: outbound calling engine for AI voice agents", "talky"};
  app.set_version_flag("--version", std::string("talky ") + TALKY_VERSION);
  app.require_subcommand(0, 1);

  std::vector<std::unique_ptr<Command>> commands;
  commands.push_back(std::make_unique<CommandOf<RunCommand>>(app));
  commands.push_back(std::make_unique<CommandOf<RulesCommand>>(app));
  commands.push_back(std::make_unique<CommandOf<MigrateCommand>>(app));
  commands.push_back(std::make_unique<CommandOf<CallsCommand>>(app));
  commands.push_back(std::make_unique<CommandOf<WorkerCommand>>(app));
  commands.push_back(std::make_unique<CommandOf<ServeCommand>>(app));
  if (add_more) add_more(app, commands);

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
  for (const std::unique_ptr<Command>& command : commands) {
    if (command->Selected()) return command->Run(out, err);
  }
  return kExitOk;
}

}  // namespace talky
