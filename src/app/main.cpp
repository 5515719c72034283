// The `talky` binary: hands its arguments to the command line, with the benchmarks, and exits
// with its code.
#include <iostream>

#include "app/cli.h"
#include "bench/bench_commands.h"

int main(int argc, char** argv) {
  return talky::RunCli(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr,
                       talky::AddBenchCommands);
}
