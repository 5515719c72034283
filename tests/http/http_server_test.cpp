// The HTTP server on a real loopback socket, driven by the real HttpClient or by raw Asio when a
// test must control the bytes: routing, JSON errors, limits, timeouts, keep-alive, concurrency,
// handler failures, stopping.
#include "http/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "net/http_client.h"
#include "raw_connection.h"

namespace talky {
namespace {

using namespace std::chrono_literals;
using testing::RawConnection;

class HttpServerTest : public ::testing::Test {
 protected:
  void StartServer(HttpServerOptions options = {}) {
    server_ = std::make_unique<HttpServer>(router_, metrics_, options);
    Expected<int> port = server_->Start();
    ASSERT_TRUE(port) << port.error().Describe();
    port_ = *port;
  }

  std::string Url(const std::string& target) const {
    return "http://127.0.0.1:" + std::to_string(port_) + target;
  }

  Expected<HttpClientResponse> Send(const std::string& method, const std::string& target,
                                    std::string body = {}) {
    return client_.Send({.method = method, .url = Url(target), .body = std::move(body)});
  }

  Router router_;
  Metrics metrics_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
  HttpClient client_;
};

TEST_F(HttpServerTest, RoutesWithDecodedPathParamsQueryAndHeaders) {
  router_.Add("GET", "/items/{id}", [](const HttpRequest& request) {
    return JsonResponse(200, {{"id", request.path_params.at("id")},
                              {"q", request.query.count("q") ? request.query.at("q") : ""},
                              {"agent", std::string(request.Header("x-test-agent"))},
                              {"path", request.path},
                              {"target", request.target}});
  });
  StartServer();
  Expected<HttpClientResponse> response =
      client_.Send({.url = Url("/items/a%20b?q=x+y"), .headers = {{"X-Test-Agent", "raw"}}});
  ASSERT_TRUE(response) << response.error().Describe();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->Header("content-type"), "application/json");
  const nlohmann::json body = nlohmann::json::parse(response->body);
  EXPECT_EQ(body["id"], "a b");
  EXPECT_EQ(body["q"], "x y");
  EXPECT_EQ(body["agent"], "raw");
  EXPECT_EQ(body["path"], "/items/a b");
  EXPECT_EQ(body["target"], "/items/a%20b?q=x+y");
}

TEST_F(HttpServerTest, UnknownPathAndWrongMethodAreJsonErrors) {
  router_.Add("GET", "/items/{id}", [](const HttpRequest&) { return JsonResponse(200, {}); });
  StartServer();
  Expected<HttpClientResponse> missing = Send("GET", "/nowhere");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(nlohmann::json::parse(missing->body)["error"]["code"], "not_found");

  Expected<HttpClientResponse> wrong_method = Send("DELETE", "/items/1");
  ASSERT_TRUE(wrong_method);
  EXPECT_EQ(wrong_method->status, 405);
  EXPECT_EQ(nlohmann::json::parse(wrong_method->body)["error"]["code"], "invalid_argument");

  Expected<HttpClientResponse> bad_target = Send("GET", "/items/a%2Fb");
  ASSERT_TRUE(bad_target);
  EXPECT_EQ(bad_target->status, 400);
  EXPECT_EQ(nlohmann::json::parse(bad_target->body)["error"]["fields"][0]["field"], "target");
}

TEST_F(HttpServerTest, OversizeBodyIs413AndTheHandlerNeverRuns) {
  std::atomic<int> runs{0};
  router_.Add("POST", "/upload", [&runs](const HttpRequest& request) {
    ++runs;
    return JsonResponse(200, {{"size", request.body.size()}});
  });
  StartServer({.body_limit = 1024});

  Expected<HttpClientResponse> fits = Send("POST", "/upload", std::string(1024, 'a'));
  ASSERT_TRUE(fits) << fits.error().Describe();
  EXPECT_EQ(fits->status, 200);
  EXPECT_EQ(runs, 1);

  Expected<HttpClientResponse> too_big = Send("POST", "/upload", std::string(64 * 1024, 'a'));
  ASSERT_TRUE(too_big) << too_big.error().Describe();
  EXPECT_EQ(too_big->status, 413);
  EXPECT_EQ(nlohmann::json::parse(too_big->body)["error"]["code"], "invalid_argument");
  EXPECT_EQ(too_big->Header("connection"), "close");

  // Chunked: no length up front, so the limit trips while the body streams in.
  RawConnection raw(port_);
  ASSERT_TRUE(raw.connected());
  std::string chunked = "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 4; ++i) chunked += "200\r\n" + std::string(512, 'b') + "\r\n";
  chunked += "0\r\n\r\n";
  ASSERT_TRUE(raw.Send(chunked));
  std::optional<testing::RawResponse> chunked_answer = raw.Read();
  ASSERT_TRUE(chunked_answer);
  EXPECT_EQ(chunked_answer->result_int(), 413u);
  EXPECT_EQ(runs, 1) << "the handler never saw an oversize body";
}

TEST_F(HttpServerTest, ExpectContinueIsAnsweredBeforeTheBodyIsSent) {
  router_.Add("POST", "/echo", [](const HttpRequest& request) {
    return JsonResponse(200, {{"body", request.body}});
  });
  StartServer({.body_limit = 1024});
  RawConnection connection(port_);
  ASSERT_TRUE(connection.Send(
      "POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  std::optional<testing::RawResponse> go_on = connection.Read();
  ASSERT_TRUE(go_on);
  EXPECT_EQ(go_on->result_int(), 100u);
  ASSERT_TRUE(connection.Send("hello"));
  std::optional<testing::RawResponse> answer = connection.Read();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->result_int(), 200u);
  EXPECT_EQ(nlohmann::json::parse(answer->body())["body"], "hello");

  // Over the limit: 413 at once, and the body need not be sent at all.
  RawConnection too_big(port_);
  ASSERT_TRUE(too_big.Send(
      "POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n"));
  std::optional<testing::RawResponse> refused = too_big.Read();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->result_int(), 413u);
}

TEST_F(HttpServerTest, AClientTooSlowToSendItsRequestGets408AndIsClosed) {
  router_.Add("GET", "/x", [](const HttpRequest&) { return JsonResponse(200, {}); });
  StartServer({.request_timeout = 300ms});
  RawConnection slow(port_);
  ASSERT_TRUE(slow.connected());
  ASSERT_TRUE(slow.Send("GET /x HTTP/1.1\r\nHost: t\r\n"));  // the blank line never comes
  RawConnection::Rest rest = slow.ReadUntilClosed(20s);
  EXPECT_TRUE(rest.closed) << "the server kept a stalled request open";
  EXPECT_TRUE(rest.bytes.starts_with("HTTP/1.1 408")) << rest.bytes;
  EXPECT_NE(rest.bytes.find("\"code\":\"invalid_argument\""), std::string::npos) << rest.bytes;

  // A body that stops halfway is timed out the same way.
  RawConnection half(port_);
  ASSERT_TRUE(half.Send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nonly a bit"));
  RawConnection::Rest half_rest = half.ReadUntilClosed(20s);
  EXPECT_TRUE(half_rest.closed);
  EXPECT_TRUE(half_rest.bytes.starts_with("HTTP/1.1 408")) << half_rest.bytes;
}

TEST_F(HttpServerTest, AnIdleKeptAliveConnectionIsClosedSilently) {
  router_.Add("GET", "/x", [](const HttpRequest&) { return JsonResponse(200, {}); });
  StartServer({.idle_timeout = 300ms});
  RawConnection idle(port_);
  ASSERT_TRUE(idle.Send(testing::GetRequest("/x")));
  std::optional<testing::RawResponse> first = idle.Read();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->result_int(), 200u);
  RawConnection::Rest rest = idle.ReadUntilClosed(20s);
  EXPECT_TRUE(rest.closed);
  EXPECT_EQ(rest.bytes, "");
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  std::atomic<int> served{0};
  router_.Add("GET", "/n/{n}", [&served](const HttpRequest& request) {
    ++served;
    return JsonResponse(200, {{"n", request.path_params.at("n")}});
  });
  StartServer();
  RawConnection connection(port_);
  ASSERT_TRUE(connection.connected());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(connection.Send(testing::GetRequest("/n/" + std::to_string(i))));
    std::optional<testing::RawResponse> response = connection.Read();
    ASSERT_TRUE(response) << "request " << i << " got no answer on the kept-alive connection";
    EXPECT_EQ(response->result_int(), 200u);
    EXPECT_TRUE(response->keep_alive());
    EXPECT_EQ(nlohmann::json::parse(response->body())["n"], std::to_string(i));
  }
  // Pipelined: two requests in one write, two answers in order.
  ASSERT_TRUE(connection.Send(testing::GetRequest("/n/a") + testing::GetRequest("/n/b")));
  std::optional<testing::RawResponse> a = connection.Read();
  std::optional<testing::RawResponse> b = connection.Read();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(nlohmann::json::parse(a->body())["n"], "a");
  EXPECT_EQ(nlohmann::json::parse(b->body())["n"], "b");
  EXPECT_EQ(served, 7);

  // "Connection: close" is honoured.
  ASSERT_TRUE(connection.Send("GET /n/z HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
  std::optional<testing::RawResponse> last = connection.Read();
  ASSERT_TRUE(last);
  EXPECT_FALSE(last->keep_alive());
  EXPECT_TRUE(connection.ReadUntilClosed().closed);
}

TEST_F(HttpServerTest, MalformedHttpGets400) {
  StartServer();
  RawConnection connection(port_);
  ASSERT_TRUE(connection.Send("GET /x HTTP/1.1\r\nHost: t\r\nBad Header Name: v\r\n\r\n"));
  RawConnection::Rest rest = connection.ReadUntilClosed();
  EXPECT_TRUE(rest.bytes.starts_with("HTTP/1.1 400")) << rest.bytes;
  EXPECT_NE(rest.bytes.find("malformed HTTP request"), std::string::npos) << rest.bytes;
  EXPECT_TRUE(rest.closed);
}

TEST_F(HttpServerTest, AnAnswerToHeadHasNoBody) {
  router_.Add("GET", "/x", [](const HttpRequest&) { return JsonResponse(200, {{"a", 1}}); });
  StartServer();
  RawConnection connection(port_);
  ASSERT_TRUE(connection.Send("HEAD /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
  RawConnection::Rest rest = connection.ReadUntilClosed();
  EXPECT_TRUE(rest.closed);
  EXPECT_TRUE(rest.bytes.starts_with("HTTP/1.1 405")) << rest.bytes;
  EXPECT_NE(rest.bytes.find("Content-Length: "), std::string::npos) << rest.bytes;
  EXPECT_TRUE(rest.bytes.ends_with("\r\n\r\n")) << "a body followed the header: " << rest.bytes;
}

TEST_F(HttpServerTest, OversizeHeadersGet431) {
  router_.Add("GET", "/x", [](const HttpRequest&) { return JsonResponse(200, {}); });
  StartServer({.header_limit = 1024});
  RawConnection connection(port_);
  ASSERT_TRUE(connection.Send("GET /x HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(4096, 'h') +
                              "\r\n\r\n"));
  RawConnection::Rest rest = connection.ReadUntilClosed();
  EXPECT_TRUE(rest.bytes.starts_with("HTTP/1.1 431")) << rest.bytes.substr(0, 200);
  EXPECT_TRUE(rest.closed);
}

// A GET whose header (request line, fields, empty line) is exactly `size` bytes.
std::string RequestOfHeaderSize(std::size_t size, const std::string& target = "/x") {
  const std::string head = "GET " + target + " HTTP/1.1\r\nHost: t\r\nX-Pad: ";
  const std::string tail = "\r\nConnection: close\r\n\r\n";
  return head + std::string(size - head.size() - tail.size(), 'p') + tail;
}

// The limit counts the whole header, the request line included: one byte over is refused, the
// limit itself is served.
TEST_F(HttpServerTest, TheHeaderLimitIsExact) {
  router_.Add("GET", "/x", [](const HttpRequest&) { return JsonResponse(200, {}); });
  router_.Add("GET", "/" + std::string(600, 'y'),
              [](const HttpRequest&) { return JsonResponse(200, {}); });
  StartServer({.header_limit = 1024});
  struct Case {
    const char* name;
    std::string request;
    const char* status;
  };
  const Case kCases[] = {
      {"at the limit", RequestOfHeaderSize(1024), "HTTP/1.1 200"},
      {"one byte over", RequestOfHeaderSize(1025), "HTTP/1.1 431"},
      {"a long target and fields, each under the limit",
       RequestOfHeaderSize(1200, "/" + std::string(600, 'y')), "HTTP/1.1 431"},
      {"a long target at the limit", RequestOfHeaderSize(1024, "/" + std::string(600, 'y')),
       "HTTP/1.1 200"},
  };
  for (const Case& c : kCases) {
    ASSERT_EQ(c.request.find("\r\n\r\n") + 4, c.request.size()) << c.name;
    RawConnection connection(port_);
    ASSERT_TRUE(connection.Send(c.request)) << c.name;
    RawConnection::Rest rest = connection.ReadUntilClosed();
    EXPECT_TRUE(rest.bytes.starts_with(c.status)) << c.name << ": " << rest.bytes.substr(0, 200);
  }
}

// A header that arrives in pieces is counted whole: 22 KB of small fields, sent 1 KB at a time
// on one connection, against the default 16 KB.
TEST_F(HttpServerTest, AHeaderArrivingInPiecesIsCountedWhole) {
  router_.Add("GET", "/x", [](const HttpRequest&) { return JsonResponse(200, {}); });
  StartServer();
  std::string request = "GET /x HTTP/1.1\r\nHost: t\r\n";
  for (int i = 0; request.size() < 22 * 1024; ++i) {
    request += "X-Field-" + std::to_string(i) + ": " + std::string(100, 'f') + "\r\n";
  }
  request += "\r\n";
  RawConnection connection(port_);
  for (std::size_t at = 0; at < request.size(); at += 1024) {
    // The server may answer and close before the last pieces are sent.
    if (!connection.Send(std::string_view(request).substr(at, 1024))) break;
  }
  RawConnection::Rest rest = connection.ReadUntilClosed();
  EXPECT_TRUE(rest.bytes.starts_with("HTTP/1.1 431")) << rest.bytes.substr(0, 200);
}

TEST_F(HttpServerTest, ConcurrentClientsAreServedAndHandlersRunInParallel) {
  // Two handlers that each wait for the other: only servable with two threads at once.
  std::mutex mutex;
  std::condition_variable changed;
  int inside = 0;
  router_.Add("GET", "/meet", [&](const HttpRequest&) {
    std::unique_lock lock(mutex);
    ++inside;
    changed.notify_all();
    const bool met = changed.wait_for(lock, 20s, [&] { return inside >= 2; });
    return JsonResponse(met ? 200 : 500, {});
  });
  std::atomic<int> hits{0};
  router_.Add("GET", "/hit", [&hits](const HttpRequest&) {
    ++hits;
    return JsonResponse(200, {});
  });
  StartServer({.threads = 4});

  std::vector<int> meet_status(2, 0);
  {
    std::vector<std::jthread> meeting;
    for (int i = 0; i < 2; ++i) {
      meeting.emplace_back([&, i] {
        HttpClient client;
        Expected<HttpClientResponse> response = client.Send({.url = Url("/meet")});
        meet_status[i] = response ? response->status : -1;
      });
    }
  }
  EXPECT_EQ(meet_status, (std::vector<int>{200, 200}));

  constexpr int kClients = 8;
  constexpr int kRequestsEach = 50;
  std::atomic<int> ok{0};
  {
    std::vector<std::jthread> clients;
    for (int i = 0; i < kClients; ++i) {
      clients.emplace_back([&] {
        HttpClient client;
        for (int r = 0; r < kRequestsEach; ++r) {
          Expected<HttpClientResponse> response = client.Send({.url = Url("/hit")});
          if (response && response->status == 200) ++ok;
        }
      });
    }
  }
  EXPECT_EQ(ok, kClients * kRequestsEach);
  EXPECT_EQ(hits, kClients * kRequestsEach);
}

TEST_F(HttpServerTest, AThrowingHandlerGives500AndTheServerGoesOn) {
  router_.Add("GET", "/boom",
              [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("handler bug"); });
  router_.Add("GET", "/fine", [](const HttpRequest&) { return JsonResponse(200, {}); });
  StartServer();
  Expected<HttpClientResponse> boom = Send("GET", "/boom");
  ASSERT_TRUE(boom);
  EXPECT_EQ(boom->status, 500);
  const nlohmann::json body = nlohmann::json::parse(boom->body);
  EXPECT_EQ(body["error"]["code"], "internal");
  EXPECT_EQ(body["error"]["message"].get<std::string>().find("handler bug"), std::string::npos)
      << "the exception's text stays in the log";
  Expected<HttpClientResponse> fine = Send("GET", "/fine");
  ASSERT_TRUE(fine);
  EXPECT_EQ(fine->status, 200);
}

TEST_F(HttpServerTest, ATakenPortIsAClearError) {
  StartServer();
  HttpServer second(router_, metrics_, {.port = port_});
  Expected<int> taken = second.Start();
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(taken.error().message.find("127.0.0.1:" + std::to_string(port_)), std::string::npos)
      << taken.error().message;

  HttpServer bad_address(router_, metrics_, {.address = "localhost-ish"});
  Expected<int> bad = bad_address.Start();
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(HttpServerTest, StopLetsARequestInProgressFinishAndRefusesNewConnections) {
  std::mutex mutex;
  std::condition_variable changed;
  bool entered = false;
  bool released = false;
  router_.Add("GET", "/slow", [&](const HttpRequest&) {
    std::unique_lock lock(mutex);
    entered = true;
    changed.notify_all();
    changed.wait_for(lock, 20s, [&] { return released; });
    return JsonResponse(200, {{"finished", true}});
  });
  StartServer({.stop_grace = 20s});

  int status = 0;
  std::jthread requester([&] {
    HttpClient client;
    Expected<HttpClientResponse> response = client.Send({.url = Url("/slow")});
    status = response ? response->status : -1;
  });
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, 20s, [&] { return entered; }));
  }
  std::jthread stopper([&] { server_->Stop(); });
  // Once the listener is closed, new connections are refused; the request in progress goes on.
  bool refused = false;
  for (auto deadline = std::chrono::steady_clock::now() + 20s;
       !refused && std::chrono::steady_clock::now() < deadline;) {
    refused = !RawConnection(port_).connected();
    if (!refused) std::this_thread::sleep_for(5ms);
  }
  EXPECT_TRUE(refused) << "the server still accepts connections while stopping";
  {
    std::lock_guard lock(mutex);
    released = true;
    changed.notify_all();
  }
  requester.join();
  stopper.join();
  EXPECT_EQ(status, 200);
}

}  // namespace
}  // namespace talky
