// A fixed-size pool of SqlConnections shared by the threads of one process. Acquire() blocks until
// a connection is free and returns a lease that gives it back when destroyed. Connections are
// opened lazily by the factory, up to `size`. Thread-safe.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "domain/error.h"
#include "store/sql/sql_connection.h"

namespace talky {

class ConnectionPool {
 public:
  using Factory = std::function<Expected<std::unique_ptr<SqlConnection>>()>;

  ConnectionPool(Factory factory, int size);

  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<SqlConnection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    SqlConnection& operator*() const { return *connection_; }
    SqlConnection* operator->() const { return connection_.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<SqlConnection> connection_;
  };

  Expected<Lease> Acquire();

 private:
  void Release(std::unique_ptr<SqlConnection> connection);

  Factory factory_;
  int size_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<SqlConnection>> idle_;
  int opened_ = 0;
};

}  // namespace talky
