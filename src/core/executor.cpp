#include "core/executor.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <mutex>

namespace tc {

struct ThreadPool::Impl {
  explicit Impl(int threads) : pool(static_cast<size_t>(threads)) {}
  boost::asio::thread_pool pool;
  std::once_flag stopped;
};

ThreadPool::ThreadPool(int threads) : impl_(std::make_unique<Impl>(threads)) {}

ThreadPool::~ThreadPool() { stop(); }

void ThreadPool::post(Task task) { boost::asio::post(impl_->pool, std::move(task)); }

void ThreadPool::stop() {
  std::call_once(impl_->stopped, [this] { impl_->pool.join(); });
}

}  // namespace tc
