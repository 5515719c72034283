#include "store/sql/connection_pool.h"

namespace talky {

ConnectionPool::ConnectionPool(Factory factory, int size)
    : factory_(std::move(factory)), size_(size < 1 ? 1 : size) {}

ConnectionPool::Lease::~Lease() {
  if (connection_) pool_->Release(std::move(connection_));
}

Expected<ConnectionPool::Lease> ConnectionPool::Acquire() {
  std::unique_lock lock(mutex_);
  available_.wait(lock, [&] { return !idle_.empty() || opened_ < size_; });
  if (!idle_.empty()) {
    std::unique_ptr<SqlConnection> connection = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(connection));
  }
  ++opened_;
  lock.unlock();
  Expected<std::unique_ptr<SqlConnection>> connection = factory_();
  if (!connection) {
    lock.lock();
    --opened_;
    available_.notify_one();
    return std::unexpected(connection.error());
  }
  return Lease(this, std::move(*connection));
}

void ConnectionPool::Release(std::unique_ptr<SqlConnection> connection) {
  std::lock_guard lock(mutex_);
  idle_.push_back(std::move(connection));
  available_.notify_one();
}

}  // namespace talky
