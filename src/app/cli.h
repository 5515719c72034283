// The `talky` command line: parses the arguments, runs one subcommand, returns the exit code.
// Output goes to the given streams so tests can run the CLI in-process.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace talky {

// Exit codes: 0 success, 1 the command ran and failed, 2 bad usage or bad input.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// The `talky bench` group that every benchmark command adds itself to, created on first use.
CLI::App* BenchGroup(CLI::App& app);

// A subcommand: adds its flags to the app when built; Run() when the user chose it.
class Command {
 public:
  virtual ~Command() = default;
  virtual bool Selected() const = 0;
  virtual int Run(std::ostream& out, std::ostream& err) const = 0;
};

// Any class with the same three members (a constructor taking the app, Selected, Run) as a Command.
template <typename T>
class CommandOf final : public Command {
 public:
  explicit CommandOf(CLI::App& app) : command_(app) {}
  bool Selected() const override { return command_.Selected(); }
  int Run(std::ostream& out, std::ostream& err) const override { return command_.Run(out, err); }

 private:
  T command_;
};

// Adds more subcommands (the benchmarks, from bench/, which only the binary links).
using AddCommands = std::function<void(CLI::App&, std::vector<std::unique_ptr<Command>>&)>;

int RunCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
           const AddCommands& add_more = {});

}  // namespace talky
