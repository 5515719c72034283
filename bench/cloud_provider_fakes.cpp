#include "bench/cloud_provider_fakes.h"

#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "bench/delayed_voice_providers.h"
#include "net/base64.h"

namespace talky {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using nlohmann::json;

// What a fake says to one text message from our client (nothing, or messages in order).
using Answer = std::function<std::vector<std::string>(std::string_view message)>;

std::vector<std::string> AnswerAsDeepgram(std::string_view message) {
  if (json::parse(message, nullptr, false).value("type", "") != "Finalize") return {};
  return {json{{"type", "Results"},
               {"is_final", true},
               {"speech_final", true},
               {"from_finalize", true},
               {"channel", {{"alternatives", {{{"transcript", "Yes."}, {"confidence", 0.99}}}}}}}
              .dump()};
}

// What one socket's Cartesia served, added to the fakes' counts.
struct CartesiaCounts {
  std::atomic<int>& contexts;
  std::atomic<int>& sentences;
  std::atomic<int>& flushes;
};

// Cartesia, one socket's worth: each transcript's BenchTone (100 ms per word) in one chunk naming
// its context's flush (1 until the first), a flush answered by flush_done for it, `continue: false`
// ending the context with done, a cancel ending it in silence.
class CartesiaAnswers {
 public:
  explicit CartesiaAnswers(CartesiaCounts counts) : counts_(counts) {}

  std::vector<std::string> operator()(std::string_view message) {
    const json request = json::parse(message, nullptr, false);
    if (!request.is_object() || !request.contains("context_id")) return {};
    const json context = request["context_id"];
    const std::string id = context.is_string() ? context.get<std::string>() : context.dump();
    if (request.value("cancel", false)) {
      flushes_.erase(id);
      return {};
    }
    if (!request.contains("transcript")) return {};
    auto [at, opened] = flushes_.try_emplace(id, 1);
    if (opened) ++counts_.contexts;
    const int flush = at->second;
    std::vector<std::string> answer;
    std::string text = request.value("transcript", "");
    while (!text.empty() && text.back() == ' ') text.pop_back();  // it joins the next transcript
    if (!text.empty()) {
      ++counts_.sentences;
      const int rate = request["output_format"].value("sample_rate", 16000);
      const auto words = static_cast<std::size_t>(std::ranges::count(text, ' ') + 1);
      const std::vector<std::int16_t> tone =
          BenchTone(words * static_cast<std::size_t>(rate) / 10, rate);
      const std::string bytes(reinterpret_cast<const char*>(tone.data()), tone.size() * 2);
      answer.push_back(json{
          {"type", "chunk"},
          {"data", Base64Encode(bytes)},
          {"done", false},
          {"flush_id", flush},
          {"context_id",
           context}}.dump());
    }
    if (request.value("flush", false)) {
      ++counts_.flushes;
      answer.push_back(json{
          {"type", "flush_done"},
          {"done", false},
          {"flush_done", true},
          {"flush_id", flush},
          {"context_id",
           context}}.dump());
      at->second = flush + 1;
    }
    if (!request.value("continue", false)) {
      answer.push_back(json{{"type", "done"}, {"done", true}, {"context_id", context}}.dump());
      flushes_.erase(at);
    }
    return answer;
  }

 private:
  CartesiaCounts counts_;
  std::map<std::string, int> flushes_;  // each open context's flush
};

HttpResponse AnswerAsChatCompletions(const HttpRequest& request) {
  const json body = json::parse(request.body, nullptr, false);
  bool greeting = true;
  if (body.is_object() && body.contains("messages") && body["messages"].is_array()) {
    for (const json& message : body["messages"]) {
      if (message.is_object() && message.value("role", "") == "user") greeting = false;
    }
  }
  const json text = {{"choices", {{{"index", 0}, {"delta", {{"content", BenchReply(greeting)}}}}}}};
  const json finish = {
      {"choices", {{{"index", 0}, {"delta", json::object()}, {"finish_reason", "stop"}}}}};
  const json usage = {{"choices", json::array()},
                      {"usage", {{"prompt_tokens", 60}, {"completion_tokens", 9}}}};
  return {.status = 200,
          .content_type = "text/event-stream",
          .body = "data: " + text.dump() + "\n\ndata: " + finish.dump() +
                  "\n\ndata: " + usage.dump() + "\n\ndata: [DONE]\n\n"};
}

// One client's socket: every text message answered in order, binary audio read and dropped.
class FakeSocket final : public std::enable_shared_from_this<FakeSocket> {
 public:
  FakeSocket(boost::asio::ip::tcp::socket socket, Answer answer)
      : socket_(std::move(socket)), answer_(std::move(answer)) {}

  void Start(beast::http::request<beast::http::string_body> request) {
    socket_.async_accept(request, [self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->Read();
    });
  }

  void Close() {
    boost::asio::post(socket_.get_executor(), [self = shared_from_this()] {
      self->socket_.async_close(websocket::close_code::going_away, [self](beast::error_code) {});
    });
  }

 private:
  void Read() {
    socket_.async_read(incoming_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      if (self->socket_.got_text()) {
        for (std::string& reply : self->answer_(beast::buffers_to_string(self->incoming_.data()))) {
          self->outgoing_.push_back(std::move(reply));
        }
        self->WriteNext();
      }
      self->incoming_.consume(self->incoming_.size());
      self->Read();
    });
  }

  void WriteNext() {
    if (writing_ || outgoing_.empty()) return;
    writing_ = true;
    socket_.text(true);
    socket_.async_write(boost::asio::buffer(outgoing_.front()),
                        [self = shared_from_this()](beast::error_code ec, std::size_t) {
                          self->writing_ = false;
                          self->outgoing_.pop_front();
                          if (!ec) self->WriteNext();
                        });
  }

  websocket::stream<beast::tcp_stream> socket_;
  Answer answer_;  // this socket's: it may keep what the socket said
  beast::flat_buffer incoming_;
  std::deque<std::string> outgoing_;
  bool writing_ = false;
};

}  // namespace

// A provider's WebSocket path: its sockets, each answering by an Answer of its own.
class CloudProviderFakes::Endpoint final : public ConnectionEndpoint {
 public:
  explicit Endpoint(std::function<Answer()> answerer) : answerer_(std::move(answerer)) {}

  void TakeOver(boost::asio::ip::tcp::socket socket,
                beast::http::request<beast::http::string_body> request) override {
    // As a provider's server would: a small reply (flush_done after a long chunk) is not held
    // back for the client's delayed acknowledgement of the chunk, 40 ms on Linux.
    boost::system::error_code ignored;
    socket.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
    auto fake = std::make_shared<FakeSocket>(std::move(socket), answerer_());
    {
      std::lock_guard lock(mutex_);
      std::erase_if(sockets_, [](const std::weak_ptr<FakeSocket>& s) { return s.expired(); });
      sockets_.push_back(fake);
    }
    fake->Start(std::move(request));
  }

  void CloseAll(std::chrono::milliseconds grace) override {
    std::vector<std::weak_ptr<FakeSocket>> sockets;
    {
      std::lock_guard lock(mutex_);
      sockets.swap(sockets_);
    }
    for (const auto& socket : sockets) {
      if (auto alive = socket.lock()) alive->Close();
    }
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (std::chrono::steady_clock::now() < deadline &&
           std::ranges::any_of(sockets, [](const auto& s) { return !s.expired(); })) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

 private:
  const std::function<Answer()> answerer_;
  std::mutex mutex_;
  std::vector<std::weak_ptr<FakeSocket>> sockets_;
};

CloudProviderFakes::CloudProviderFakes()
    : deepgram_(std::make_unique<Endpoint>([this] {
        return [this](std::string_view message) {
          std::vector<std::string> answer = AnswerAsDeepgram(message);
          finalizes_ += static_cast<int>(answer.size());
          return answer;
        };
      })),
      cartesia_(std::make_unique<Endpoint>([this] {
        return CartesiaAnswers(
            {.contexts = contexts_, .sentences = sentences_, .flushes = flushes_});
      })) {
  router_.Add("POST", "/v1/chat/completions", [this](const HttpRequest& request) {
    ++completions_;
    return AnswerAsChatCompletions(request);
  });
}

nlohmann::json CloudProviderFakes::Served() const {
  return {{"deepgram_finalizes", finalizes_.load()},
          {"chat_completions", completions_.load()},
          {"cartesia_contexts", contexts_.load()},
          {"cartesia_sentences", sentences_.load()},
          {"cartesia_flushes", flushes_.load()}};
}

CloudProviderFakes::~CloudProviderFakes() {
  if (server_) server_->Stop();
}

Expected<void> CloudProviderFakes::Start(int threads) {
  server_ = std::make_unique<HttpServer>(
      router_, metrics_, HttpServerOptions{.address = "127.0.0.1", .port = 0, .threads = threads});
  server_->RouteWebSocket("/v1/listen", *deepgram_);
  server_->RouteWebSocket("/tts/websocket", *cartesia_);
  Expected<int> port = server_->Start();
  if (!port) return std::unexpected(port.error());
  port_ = *port;
  return {};
}

std::string CloudProviderFakes::DeepgramUrl() const {
  return "ws://127.0.0.1:" + std::to_string(port_) + "/v1/listen";
}

std::string CloudProviderFakes::ChatCompletionsBase() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/v1";
}

std::string CloudProviderFakes::CartesiaUrl() const {
  return "ws://127.0.0.1:" + std::to_string(port_) + "/tts/websocket";
}

}  // namespace talky
