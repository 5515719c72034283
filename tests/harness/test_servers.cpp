#include "harness/test_servers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

namespace talky::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Runs in the reaper process. Reads "watch PID" / "forget PID" / "done" lines; when the pipe closes
// without "done", the test binary died: stop what it watched and remove the folder.
constexpr const char* kReaperScript = R"sh(
dir=$1; pids=
while read -r cmd pid; do
  case $cmd in
    watch) pids="$pids $pid" ;;
    forget) pids=$(for p in $pids; do [ "$p" = "$pid" ] || printf '%s ' "$p"; done) ;;
    done) exit 0 ;;
  esac
done
alive() { [ -r "/proc/$1/status" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
for p in $pids; do kill -QUIT "$p" 2>/dev/null; done
i=0
while [ $i -lt 100 ]; do
  any=; for p in $pids; do alive "$p" && any=1; done
  [ -z "$any" ] && break
  sleep 0.1; i=$((i + 1))
done
for p in $pids; do kill -KILL "$p" 2>/dev/null; done
rm -rf "$dir"
)sh";

struct RunAs {
  uid_t uid;
  gid_t gid;
};

// PostgreSQL refuses to run as root; when we are root, its processes run as the `postgres` user
// that the Debian package creates.
std::optional<RunAs> PostgresUser() {
  if (geteuid() != 0) return std::nullopt;
  const passwd* user = getpwnam("postgres");
  if (user == nullptr) return std::nullopt;
  return RunAs{user->pw_uid, user->pw_gid};
}

std::string LogTail(const fs::path& log, size_t max_lines = 15) {
  std::ifstream file(log);
  std::vector<std::string> lines;
  for (std::string line; std::getline(file, line);) lines.push_back(line);
  std::string tail;
  for (size_t i = lines.size() > max_lines ? lines.size() - max_lines : 0; i < lines.size(); ++i) {
    tail += "\n    " + lines[i];
  }
  return tail.empty() ? " (no output)" : tail;
}

struct Spawn {
  std::vector<std::string> argv;
  fs::path log;
  std::optional<RunAs> run_as;
  int death_signal = SIGKILL;
};

// Starts a child process whose output goes to `log`. The child gets `death_signal` when this
// process dies, so no server outlives a killed test binary for long.
Expected<pid_t> SpawnProcess(const Spawn& spec) {
  std::vector<char*> argv;
  for (const std::string& arg : spec.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  const int log_fd = open(spec.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
  if (log_fd < 0) return std::unexpected(Error::Internal("cannot open " + spec.log.string()));
  if (spec.run_as && fchown(log_fd, spec.run_as->uid, spec.run_as->gid) != 0) {
    close(log_fd);
    return std::unexpected(Error::Internal("cannot chown " + spec.log.string()));
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    return std::unexpected(Error::Internal("fork failed"));
  }
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    const int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    setpgid(0, 0);  // a terminal's Ctrl-C goes to the test binary, which then cleans up
    if (spec.run_as && (setgid(spec.run_as->gid) != 0 || setuid(spec.run_as->uid) != 0)) _exit(126);
    // Set after setuid, which clears it.
    prctl(PR_SET_PDEATHSIG, spec.death_signal);
    if (getppid() != parent) _exit(125);
    execv(argv[0], argv.data());
    const char message[] = "exec failed\n";
    [[maybe_unused]] ssize_t written = write(2, message, sizeof message - 1);
    _exit(127);
  }
  close(log_fd);
  return pid;
}

// Waits up to `timeout` for a child to exit; returns its exit status, or nullopt if still running.
std::optional<int> WaitForExit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return status;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(10ms);
  }
}

void StopProcess(pid_t pid, int signal, std::chrono::milliseconds grace) {
  if (pid <= 0) return;
  kill(pid, signal);
  if (!WaitForExit(pid, grace)) {
    kill(pid, SIGKILL);
    WaitForExit(pid, 5s);
  }
}

Expected<void> RunToCompletion(const Spawn& spec, const std::string& what) {
  Expected<pid_t> pid = SpawnProcess(spec);
  if (!pid) return std::unexpected(pid.error());
  std::optional<int> status = WaitForExit(*pid, 120s);
  if (!status) {
    StopProcess(*pid, SIGKILL, 1s);
    return std::unexpected(Error::Unavailable(what + " did not finish in 120 s"));
  }
  if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    return std::unexpected(Error::Unavailable(what + " failed:" + LogTail(spec.log)));
  }
  return {};
}

// Polls `ready` until it holds; fails early, with the server's log, if the server exits.
Expected<void> WaitUntilReady(pid_t pid, const fs::path& log, const std::string& what,
                              const std::function<bool()>& ready) {
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    // Peek without reaping: the caller's Stop() reaps, and a reaped pid could be reused.
    siginfo_t info{};
    if (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        info.si_pid == pid) {
      return std::unexpected(Error::Unavailable(what + " exited during start-up:" + LogTail(log)));
    }
    if (ready()) return {};
    std::this_thread::sleep_for(20ms);
  }
  return std::unexpected(Error::Unavailable(what + " was not ready after 60 s:" + LogTail(log)));
}

int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

bool RedisAnswersPing(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  // Whoever holds the port may never answer; do not wait on it forever.
  timeval timeout{.tv_sec = 0, .tv_usec = 500'000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);  // bounds connect()
  bool pong = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    const char ping[] = "PING\r\n";
    char reply[16] = {};
    if (write(fd, ping, sizeof ping - 1) == sizeof ping - 1 && read(fd, reply, 7) > 0) {
      pong = std::string_view(reply).starts_with("+PONG");
    }
  }
  close(fd);
  return pong;
}

std::string FindExecutable(const std::string& name) {
  // PostgreSQL's server programs live in a versioned folder, not on PATH; take the newest.
  std::vector<fs::path> candidates;
  std::error_code ignored;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ignored)) {
    if (fs::exists(entry.path() / "bin" / name)) candidates.push_back(entry.path() / "bin" / name);
  }
  if (!candidates.empty()) return std::ranges::max(candidates).string();
  std::stringstream path(std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin");
  for (std::string dir; std::getline(path, dir, ':');) {
    if (fs::exists(fs::path(dir) / name)) return (fs::path(dir) / name).string();
  }
  return name;
}

}  // namespace

// ---- ScratchDir ----

ScratchDir::ScratchDir(fs::path path, int reaper_pipe, pid_t reaper)
    : path_(std::move(path)), reaper_pipe_(reaper_pipe), reaper_(reaper) {}

Expected<std::unique_ptr<ScratchDir>> ScratchDir::Create(const std::string& tag) {
  signal(SIGPIPE, SIG_IGN);  // a closed peer must be an error value, not the end of the tests
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/talky-" + tag + "-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    return std::unexpected(Error::Internal("cannot create a folder like " + pattern));
  }
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return std::unexpected(Error::Internal("pipe failed"));
  const pid_t reaper = fork();
  if (reaper == 0) {
    dup2(fds[0], 0);
    setsid();  // outlives a Ctrl-C to the test's process group
    execl("/bin/sh", "sh", "-c", kReaperScript, "talky-reaper", pattern.c_str(), nullptr);
    _exit(127);
  }
  close(fds[0]);
  if (reaper < 0) {
    close(fds[1]);
    fs::remove_all(pattern);
    return std::unexpected(Error::Internal("fork failed"));
  }
  return std::unique_ptr<ScratchDir>(new ScratchDir(pattern, fds[1], reaper));
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
  const char done[] = "done\n";
  [[maybe_unused]] ssize_t written = write(reaper_pipe_, done, sizeof done - 1);
  close(reaper_pipe_);
  waitpid(reaper_, nullptr, 0);
}

void ScratchDir::Watch(pid_t pid) {
  const std::string line = "watch " + std::to_string(pid) + "\n";
  [[maybe_unused]] ssize_t written = write(reaper_pipe_, line.data(), line.size());
}

void ScratchDir::Forget(pid_t pid) {
  const std::string line = "forget " + std::to_string(pid) + "\n";
  [[maybe_unused]] ssize_t written = write(reaper_pipe_, line.data(), line.size());
}

// ---- RedisServer ----

RedisServer::RedisServer(std::unique_ptr<ScratchDir> scratch, RedisOptions options)
    : scratch_(std::move(scratch)), options_(options), port_(options.port) {}

RedisServer::~RedisServer() { Stop(); }

std::string RedisServer::url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

Expected<std::unique_ptr<RedisServer>> RedisServer::Start(RedisOptions options) {
  Expected<std::unique_ptr<ScratchDir>> scratch = ScratchDir::Create("redis");
  if (!scratch) return std::unexpected(scratch.error());
  std::unique_ptr<RedisServer> server(new RedisServer(std::move(*scratch), options));
  // A free port can be taken between our probe and the server's bind; try a few.
  const int attempts = options.port == 0 ? 3 : 1;
  Expected<void> started;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    if (options.port == 0) server->port_ = FreeLoopbackPort();
    started = server->Launch();
    if (started) return server;
  }
  return std::unexpected(started.error());
}

Expected<void> RedisServer::Launch() {
  const fs::path log = dir() / "redis.log";
  Spawn spec{.argv = {FindExecutable("redis-server"), "--port", std::to_string(port_), "--bind",
                      "127.0.0.1", "--dir", dir().string(), "--save", "", "--appendonly",
                      options_.append_only ? "yes" : "no", "--appendfsync", "always", "--daemonize",
                      "no", "--protected-mode", "no", "--loglevel", "warning"},
             .log = log};
  Expected<pid_t> pid = SpawnProcess(spec);
  if (!pid) return std::unexpected(pid.error());
  pid_ = *pid;
  scratch_->Watch(pid_);
  Expected<void> ready = WaitUntilReady(pid_, log, "redis-server on port " + std::to_string(port_),
                                        [this] { return RedisAnswersPing(port_); });
  if (!ready) Stop();
  return ready;
}

void RedisServer::Stop() {
  if (pid_ <= 0) return;
  StopProcess(pid_, SIGTERM, 10s);
  scratch_->Forget(pid_);
  pid_ = -1;
}

Expected<void> RedisServer::Restart() {
  Stop();
  return Launch();
}

// ---- PostgresServer ----

PostgresServer::PostgresServer(std::unique_ptr<ScratchDir> scratch)
    : scratch_(std::move(scratch)) {}

PostgresServer::~PostgresServer() { Stop(); }

std::string PostgresServer::url(const std::string& database) const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

Expected<std::unique_ptr<PostgresServer>> PostgresServer::Start() {
  Expected<std::unique_ptr<ScratchDir>> scratch = ScratchDir::Create("postgres");
  if (!scratch) return std::unexpected(scratch.error());
  std::unique_ptr<PostgresServer> server(new PostgresServer(std::move(*scratch)));
  const fs::path dir = server->dir();
  const std::optional<RunAs> run_as = PostgresUser();
  if (run_as && chown(dir.c_str(), run_as->uid, run_as->gid) != 0) {
    return std::unexpected(Error::Internal("cannot hand " + dir.string() + " to user postgres"));
  }
  const fs::path data = dir / "data";
  Expected<void> initialised =
      RunToCompletion({.argv = {FindExecutable("initdb"), "-D", data.string(), "-U", "postgres",
                                "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"},
                       .log = dir / "initdb.log",
                       .run_as = run_as},
                      "initdb");
  if (!initialised) return std::unexpected(initialised.error());

  Expected<void> started;
  for (int attempt = 0; attempt < 3; ++attempt) {
    server->port_ = FreeLoopbackPort();
    started = server->Launch();
    if (started) return server;
    server->Stop();
  }
  return std::unexpected(started.error());
}

Expected<void> PostgresServer::Launch() {
  const fs::path data = dir() / "data";
  const fs::path log = dir() / "postgres.log";
  Expected<pid_t> pid = SpawnProcess(
      {.argv = {FindExecutable("postgres"), "-D", data.string(), "-p", std::to_string(port_), "-k",
                dir().string(), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c",
                "synchronous_commit=off", "-c", "full_page_writes=off", "-c",
                "max_connections=200"},
       .log = log,
       .run_as = PostgresUser(),
       .death_signal = SIGQUIT});  // immediate shutdown, children included
  if (!pid) return std::unexpected(pid.error());
  pid_ = *pid;
  scratch_->Watch(*pid);
  const std::string conninfo =
      "host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres dbname=postgres";
  return WaitUntilReady(*pid, log, "postgres on port " + std::to_string(port_),
                        [&] { return PQping(conninfo.c_str()) == PQPING_OK; });
}

Expected<void> PostgresServer::Restart() {
  Stop();
  return Launch();
}

void PostgresServer::Stop() {
  if (pid_ <= 0) return;
  const fs::path data = dir() / "data";
  Expected<void> stopped = RunToCompletion(
      {.argv = {FindExecutable("pg_ctl"), "stop", "-D", data.string(), "-m", "fast", "-w"},
       .log = dir() / "pg_ctl.log",
       .run_as = PostgresUser()},
      "pg_ctl stop");
  StopProcess(pid_, stopped ? 0 : SIGQUIT, 10s);  // signal 0: pg_ctl already stopped it; reap
  scratch_->Forget(pid_);
  pid_ = -1;
}

Expected<std::string> PostgresServer::CreateDatabase(const std::string& name) const {
  PGconn* connection = PQconnectdb(url().c_str());
  std::unique_ptr<PGconn, decltype(&PQfinish)> guard(connection, &PQfinish);
  if (PQstatus(connection) != CONNECTION_OK) {
    return std::unexpected(Error::Unavailable(PQerrorMessage(connection)));
  }
  const std::string sql = "CREATE DATABASE \"" + name + "\"";
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(connection, sql.c_str()), &PQclear);
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    return std::unexpected(Error::Unavailable(PQerrorMessage(connection)));
  }
  return url(name);
}

// ---- shared servers ----

namespace {

template <typename Server>
struct Shared {
  std::unique_ptr<Server> server;
  std::optional<Error> failure;
  bool tried = false;
};

Shared<RedisServer>& SharedRedisSlot() {
  static Shared<RedisServer> slot;
  return slot;
}

Shared<PostgresServer>& SharedPostgresSlot() {
  static Shared<PostgresServer> slot;
  return slot;
}

template <typename Server>
Expected<Server*> GetOrStart(Shared<Server>& slot) {
  if (!slot.tried) {
    slot.tried = true;
    auto started = Server::Start();
    if (started) {
      slot.server = std::move(*started);
    } else {
      slot.failure = started.error();
    }
  }
  if (slot.failure) return std::unexpected(*slot.failure);
  return slot.server.get();
}

}  // namespace

Expected<RedisServer*> SharedRedis() { return GetOrStart(SharedRedisSlot()); }
Expected<PostgresServer*> SharedPostgres() { return GetOrStart(SharedPostgresSlot()); }

void StopSharedServers() {
  SharedRedisSlot().server.reset();
  SharedPostgresSlot().server.reset();
}

}  // namespace talky::testing
