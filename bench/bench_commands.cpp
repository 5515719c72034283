#include "bench/bench_commands.h"

#include "bench/bench_command.h"
#include "bench/bench_dialer_command.h"
#include "bench/bench_http_command.h"
#include "bench/bench_sip_command.h"
#include "bench/bench_store_command.h"
#include "bench/bench_voice_command.h"
#include "bench/bench_webhooks_command.h"

namespace talky {

void AddBenchCommands(CLI::App& app, std::vector<std::unique_ptr<Command>>& commands) {
  commands.push_back(std::make_unique<CommandOf<BenchCommand>>(app));
  commands.push_back(std::make_unique<CommandOf<BenchDialerCommand>>(app));
  commands.push_back(std::make_unique<CommandOf<BenchStoreCommand>>(app));
  commands.push_back(std::make_unique<CommandOf<BenchHttpCommand>>(app));
  commands.push_back(std::make_unique<CommandOf<BenchWebhooksCommand>>(app));
  commands.push_back(std::make_unique<CommandOf<BenchVoiceCommand>>(app));
  commands.push_back(std::make_unique<CommandOf<BenchSipCommand>>(app));
}

}  // namespace talky
