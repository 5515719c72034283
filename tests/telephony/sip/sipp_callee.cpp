#include "telephony/sip/sipp_callee.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace talky::testing {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

namespace {

// True once something listens on loopback `port` (/proc/net/udp, or tcp in LISTEN state).
bool Listening(int port, bool tcp) {
  std::ifstream table(tcp ? "/proc/net/tcp" : "/proc/net/udp");
  char wanted[8];
  std::snprintf(wanted, sizeof(wanted), ":%04X", port);
  std::string line;
  std::getline(table, line);  // header
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    fields >> slot >> local >> remote >> state;
    if (local.ends_with(wanted) && (!tcp || state == "0A")) return true;
  }
  return false;
}

bool WaitUntil(const std::function<bool()>& condition, milliseconds bound) {
  const auto deadline = steady_clock::now() + bound;
  while (!condition()) {
    if (steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace

std::filesystem::path SipScenarioDirectory() {
  if (const char* configured = std::getenv("TALKY_SIP_SCENARIOS")) return configured;
  return TALKY_SIP_SCENARIOS_DIR;  // set by the build: tests/telephony/sip/scenarios
}

bool ProgramInstalled(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream directories(path != nullptr ? path : "/usr/bin:/bin");
  std::string directory;
  while (std::getline(directories, directory, ':')) {
    if (access((std::filesystem::path(directory) / program).c_str(), X_OK) == 0) return true;
  }
  return false;
}

// A loopback port free for both UDP and TCP right now (sipp takes it a moment later).
int FreeSipPort() {
  for (int attempt = 0; attempt < 20; ++attempt) {
    const int udp = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    bind(udp, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    getsockname(udp, reinterpret_cast<sockaddr*>(&address), &length);
    const int tcp = socket(AF_INET, SOCK_STREAM, 0);
    const bool both = bind(tcp, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
    close(tcp);
    close(udp);
    if (both) return ntohs(address.sin_port);
  }
  return 0;
}

pid_t SpawnSipp(const std::vector<std::string>& arguments, const std::filesystem::path& directory) {
  std::vector<std::string> command = {"sipp"};
  command.insert(command.end(), arguments.begin(), arguments.end());
  command.insert(command.end(),
                 {"-m", "1", "-nostdin", "-timeout", "20s", "-timeout_error", "-trace_err",
                  "-error_file", (directory / "errors.log").string(), "-trace_msg", "-message_file",
                  (directory / "messages.log").string()});
  std::vector<char*> argv;
  for (const std::string& argument : command) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, (directory / "output.log").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = -1;
  if (posix_spawnp(&pid, "sipp", &actions, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

SippCallee::SippCallee(const std::string& scenario, const std::string& transport, int port,
                       const std::vector<std::string>& extra_arguments) {
  char directory[] = "/tmp/talky-sipp-XXXXXX";
  if (mkdtemp(directory) == nullptr) return;
  directory_ = directory;
  std::vector<std::string> arguments = {"-sf", (SipScenarioDirectory() / scenario).string(),
                                        "-i",  "127.0.0.1",
                                        "-p",  std::to_string(port),
                                        "-t",  transport == "tcp" ? "t1" : "u1"};
  arguments.insert(arguments.end(), extra_arguments.begin(), extra_arguments.end());
  pid_ = SpawnSipp(arguments, directory_);
  ready_ = pid_ > 0 &&
           WaitUntil([&] { return Listening(port, transport == "tcp") || Exited(); }, 5s) &&
           !exit_code_;
}

SippCallee::~SippCallee() {
  if (pid_ > 0 && !exit_code_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);  // SIGKILL cannot be ignored: this returns at once
  }
  std::error_code ignored;
  if (!directory_.empty()) std::filesystem::remove_all(directory_, ignored);
}

std::optional<int> SippCallee::Wait(milliseconds bound) {
  if (pid_ <= 0) return std::nullopt;
  if (!WaitUntil([&] { return Exited(); }, bound)) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    exit_code_ = -1;
    return std::nullopt;
  }
  return exit_code_;
}

std::string SippCallee::Log() const {
  return "--- sipp output ---\n" + ReadFile(directory_ / "output.log") + "\n--- sipp errors ---\n" +
         ReadFile(directory_ / "errors.log") + "\n--- sipp messages ---\n" +
         ReadFile(directory_ / "messages.log");
}

std::string SippCallee::Messages() const { return ReadFile(directory_ / "messages.log"); }

bool SippCallee::Exited() {
  if (exit_code_) return true;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return false;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return true;
}

}  // namespace talky::testing
