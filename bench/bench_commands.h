// `talky bench ...`: the benchmarks and load generators, added to the command line by the binary
// (src/app/main.cpp) only, so that the libraries the tests link carry none of them.
#pragma once

#include "app/cli.h"

namespace talky {

void AddBenchCommands(CLI::App& app, std::vector<std::unique_ptr<Command>>& commands);

}  // namespace talky
