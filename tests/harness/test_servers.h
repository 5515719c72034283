// Real servers for tests: redis-server and a PostgreSQL cluster, each started on a free loopback
// port in its own temporary folder, and removed afterwards. The folder and the server go away when
// the test binary ends normally, when a test fails, and also when the binary is killed (a small
// reaper process, tied to the binary by a pipe, removes them when the pipe closes).
//
// SharedRedis() and SharedPostgres() start one server per test binary on first use and keep it
// until the binary exits; tests that need a server of their own (to stop and restart it) create a
// RedisServer or PostgresServer directly. Not thread-safe: start servers from the main thread.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>

#include "domain/error.h"

namespace talky::testing {

// A temporary folder whose removal is guaranteed by a reaper process, also after SIGKILL.
class ScratchDir {
 public:
  static Expected<std::unique_ptr<ScratchDir>> Create(const std::string& tag);
  ~ScratchDir();

  const std::filesystem::path& path() const { return path_; }
  // Tells the reaper to kill `pid` if this process dies before Forget(pid).
  void Watch(pid_t pid);
  void Forget(pid_t pid);

 private:
  ScratchDir(std::filesystem::path path, int reaper_pipe, pid_t reaper);
  std::filesystem::path path_;
  int reaper_pipe_;
  pid_t reaper_;
};

struct RedisOptions {
  bool append_only = false;  // AOF with fsync always, for restart tests
  int port = 0;              // 0: pick a free one
};

class RedisServer {
 public:
  static Expected<std::unique_ptr<RedisServer>> Start(RedisOptions options = {});
  ~RedisServer();

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string url() const;  // redis://127.0.0.1:PORT
  const std::filesystem::path& dir() const { return scratch_->path(); }

  // Stops the server (SIGTERM, which saves the AOF) and starts it again on the same port and data.
  void Stop();
  Expected<void> Restart();

 private:
  RedisServer(std::unique_ptr<ScratchDir> scratch, RedisOptions options);
  Expected<void> Launch();

  std::unique_ptr<ScratchDir> scratch_;
  RedisOptions options_;
  int port_ = 0;
  pid_t pid_ = -1;
};

class PostgresServer {
 public:
  static Expected<std::unique_ptr<PostgresServer>> Start();
  ~PostgresServer();

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::filesystem::path& dir() const { return scratch_->path(); }
  // postgresql://postgres@127.0.0.1:PORT/DATABASE
  std::string url(const std::string& database = "postgres") const;
  // Creates an empty database, so each test can start from nothing.
  Expected<std::string> CreateDatabase(const std::string& name) const;

  // Stops the server (pg_ctl stop -m fast: clients are disconnected) and starts it again on the
  // same port and data.
  void Stop();
  Expected<void> Restart();

 private:
  explicit PostgresServer(std::unique_ptr<ScratchDir> scratch);
  Expected<void> Launch();

  std::unique_ptr<ScratchDir> scratch_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// The binary's shared servers, started on first use. An error says why the server did not start.
Expected<RedisServer*> SharedRedis();
Expected<PostgresServer*> SharedPostgres();
// Stops the shared servers; the test main calls it after the last test.
void StopSharedServers();

}  // namespace talky::testing
