// The `talky` binary: hands its arguments to the command line and exits with its code.
#include <iostream>

#include "app/cli.h"

int main(int argc, char** argv) {
  return talky::RunCli(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr);
}
