#include "bench/cloud_provider_fakes.h"

#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <deque>
#include <functional>
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

std::vector<std::string> AnswerAsCartesia(std::string_view message) {
  const json request = json::parse(message, nullptr, false);
  if (!request.is_object() || !request.contains("transcript")) return {};  // a cancel
  const std::string text = request.value("transcript", "");
  const int rate = request["output_format"].value("sample_rate", 16000);
  const auto words = static_cast<std::size_t>(std::ranges::count(text, ' ') + 1);
  const std::vector<std::int16_t> tone =
      BenchTone(words * static_cast<std::size_t>(rate) / 10, rate);
  const std::string bytes(reinterpret_cast<const char*>(tone.data()), tone.size() * 2);
  const json context = request.value("context_id", "");
  return {json{{"type", "chunk"},
               {"data", Base64Encode(bytes)},
               {"done", false},
               {"context_id", context}}
              .dump(),
          json{{"type", "done"}, {"done", true}, {"context_id", context}}.dump()};
}

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
  FakeSocket(boost::asio::ip::tcp::socket socket, const Answer& answer)
      : socket_(std::move(socket)), answer_(answer) {}

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
  const Answer& answer_;
  beast::flat_buffer incoming_;
  std::deque<std::string> outgoing_;
  bool writing_ = false;
};

}  // namespace

// A provider's WebSocket path: its sockets, each answering by `answer`.
class CloudProviderFakes::Endpoint final : public ConnectionEndpoint {
 public:
  explicit Endpoint(Answer answer) : answer_(std::move(answer)) {}

  void TakeOver(boost::asio::ip::tcp::socket socket,
                beast::http::request<beast::http::string_body> request) override {
    auto fake = std::make_shared<FakeSocket>(std::move(socket), answer_);
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
  const Answer answer_;
  std::mutex mutex_;
  std::vector<std::weak_ptr<FakeSocket>> sockets_;
};

CloudProviderFakes::CloudProviderFakes()
    : deepgram_(std::make_unique<Endpoint>([this](std::string_view message) {
        std::vector<std::string> answer = AnswerAsDeepgram(message);
        finalizes_ += static_cast<int>(answer.size());
        return answer;
      })),
      cartesia_(std::make_unique<Endpoint>([this](std::string_view message) {
        std::vector<std::string> answer = AnswerAsCartesia(message);
        if (!answer.empty()) ++contexts_;
        return answer;
      })) {
  router_.Add("POST", "/v1/chat/completions", [this](const HttpRequest& request) {
    ++completions_;
    return AnswerAsChatCompletions(request);
  });
}

nlohmann::json CloudProviderFakes::Served() const {
  return {{"deepgram_finalizes", finalizes_.load()},
          {"chat_completions", completions_.load()},
          {"cartesia_contexts", contexts_.load()}};
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
