#include "net/http_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "net/loopback_http_server.h"
#include "net/tls_test_server.h"

namespace talky {
namespace {

using testing::LoopbackHttpServer;
using testing::LoopbackReply;
using testing::LoopbackRequest;

// Answers every request with what it received, so a test sees the request as the server did.
std::optional<LoopbackReply> Echo(const LoopbackRequest& request) {
  return LoopbackReply{.status = 201,
                       .headers = {{"Content-Type", "text/plain"},
                                   {"X-Method", request.method},
                                   {"X-Target", request.target},
                                   {"X-Host", request.Header("Host").value_or("")},
                                   {"X-Trace", request.Header("x-trace").value_or("")}},
                       .body = "got: " + request.body};
}

TEST(HttpClient, PostRoundTripCarriesMethodTargetHeadersAndBody) {
  LoopbackHttpServer server(Echo);
  HttpClient client;
  Expected<HttpClientResponse> response =
      client.Send({.method = "POST",
                   .url = server.BaseUrl() + "/v1/calls?x=1",
                   .headers = {{"X-Trace", "abc"}, {"Content-Type", "application/json"}},
                   .body = R"({"a":1})"});
  ASSERT_TRUE(response) << response.error().Describe();
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, R"(got: {"a":1})");
  EXPECT_EQ(response->Header("x-method"), "POST");
  EXPECT_EQ(response->Header("X-TARGET"), "/v1/calls?x=1");
  EXPECT_EQ(response->Header("X-Host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(response->Header("X-Trace"), "abc");
  EXPECT_EQ(response->Header("Content-Type"), "text/plain");
  EXPECT_EQ(response->Header("X-Absent"), std::nullopt);
}

TEST(HttpClient, ErrorStatusesAreResponsesNotErrors) {
  LoopbackHttpServer server([](const LoopbackRequest&) {
    return LoopbackReply{.status = 503, .headers = {}, .body = "down"};
  });
  HttpClient client;
  Expected<HttpClientResponse> response = client.Send({.url = server.BaseUrl() + "/"});
  ASSERT_TRUE(response) << response.error().Describe();
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(response->body, "down");
}

TEST(HttpClient, KeepAliveReusesOneConnection) {
  LoopbackHttpServer server(Echo);
  HttpClient client;
  for (int i = 0; i < 5; ++i) {
    Expected<HttpClientResponse> response = client.Send(
        {.method = i % 2 == 0 ? "GET" : "POST", .url = server.BaseUrl() + "/n", .body = "x"});
    ASSERT_TRUE(response) << response.error().Describe();
  }
  EXPECT_EQ(server.connections_accepted(), 1);
}

TEST(HttpClient, ConnectionCloseIsHonoured) {
  LoopbackHttpServer server([](const LoopbackRequest&) {
    return LoopbackReply{.status = 200, .headers = {}, .body = "bye", .close = true};
  });
  HttpClient client;
  for (int i = 0; i < 3; ++i) {
    Expected<HttpClientResponse> response =
        client.Send({.method = "POST", .url = server.BaseUrl()});
    ASSERT_TRUE(response) << response.error().Describe();
    EXPECT_EQ(response->body, "bye");
  }
  EXPECT_EQ(server.connections_accepted(), 3);
}

TEST(HttpClient, AKeptConnectionTheServerDroppedIsReplacedForIdempotentRequests) {
  LoopbackHttpServer server([](const LoopbackRequest& request) {
    return LoopbackReply{
        .status = 200, .headers = {}, .body = request.target, .hang_up_after = true};
  });
  HttpClient client;
  for (const std::string method : {"GET", "PUT", "DELETE", "GET"}) {
    Expected<HttpClientResponse> response =
        client.Send({.method = method, .url = server.BaseUrl() + "/" + method});
    ASSERT_TRUE(response) << method << ": " << response.error().Describe();
    EXPECT_EQ(response->body, "/" + method);
  }
  EXPECT_EQ(server.connections_accepted(), 4);
}

TEST(HttpClient, ServerThatNeverAnswersTimesOutAsUnavailable) {
  LoopbackHttpServer server([](const LoopbackRequest&) { return std::nullopt; });
  HttpClient client({.request_timeout = std::chrono::milliseconds(200)});
  Expected<HttpClientResponse> response = client.Send({.url = server.BaseUrl() + "/slow"});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(response.error().message.find("no answer from http://127.0.0.1"), std::string::npos)
      << response.error().message;
}

TEST(HttpClient, BodyLargerThanTheLimitIsRefused) {
  LoopbackHttpServer server([](const LoopbackRequest&) {
    return LoopbackReply{.status = 200, .headers = {}, .body = std::string(64 * 1024, 'x')};
  });
  HttpClient client({.max_response_body_bytes = 1024});
  Expected<HttpClientResponse> response = client.Send({.url = server.BaseUrl()});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(response.error().message.find("larger than the limit of 1024 bytes"), std::string::npos)
      << response.error().message;

  HttpClient roomy({.max_response_body_bytes = 64 * 1024});
  Expected<HttpClientResponse> fits = roomy.Send({.url = server.BaseUrl()});
  ASSERT_TRUE(fits) << fits.error().Describe();
  EXPECT_EQ(fits->body.size(), 64u * 1024u);
}

TEST(HttpClient, ConnectionRefusedIsUnavailable) {
  HttpClient client;
  const std::string url = "http://127.0.0.1:" + std::to_string(testing::UnusedLoopbackPort());
  Expected<HttpClientResponse> response = client.Send({.url = url + "/"});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(response.error().message.find("could not connect to " + url), std::string::npos)
      << response.error().message;
}

TEST(HttpClient, TlsToAServerThatSpeaksPlainHttpFailsTheHandshake) {
  LoopbackHttpServer server(Echo);
  HttpClient client({.connect_timeout = std::chrono::milliseconds(300)});
  Expected<HttpClientResponse> response =
      client.Send({.url = "https://127.0.0.1:" + std::to_string(server.port()) + "/"});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(response.error().message.find("TLS handshake"), std::string::npos)
      << response.error().message;
}

TEST(HttpClient, HttpsWithATrustedCertificateForTheHostWorks) {
  const testing::SelfSignedCertificate certificate =
      testing::MakeSelfSignedCertificate("IP:127.0.0.1");
  testing::OneShotTlsServer server(certificate, "secret hello");
  HttpClient client({.extra_ca_pem = certificate.certificate_pem});
  Expected<HttpClientResponse> response =
      client.Send({.url = "https://127.0.0.1:" + std::to_string(server.port()) + "/x"});
  ASSERT_TRUE(response) << response.error().Describe();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "secret hello");
}

TEST(HttpClient, HttpsWithAnUntrustedCertificateIsRefused) {
  const testing::SelfSignedCertificate certificate =
      testing::MakeSelfSignedCertificate("IP:127.0.0.1");
  testing::OneShotTlsServer server(certificate, "must not be read");
  HttpClient client;  // the system store only
  Expected<HttpClientResponse> response =
      client.Send({.url = "https://127.0.0.1:" + std::to_string(server.port()) + "/x"});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(response.error().message.find("certificate verify failed"), std::string::npos)
      << response.error().message;
}

TEST(HttpClient, HttpsWithATrustedCertificateForAnotherHostIsRefused) {
  const testing::SelfSignedCertificate certificate =
      testing::MakeSelfSignedCertificate("IP:127.0.0.2");
  testing::OneShotTlsServer server(certificate, "must not be read");
  HttpClient client({.extra_ca_pem = certificate.certificate_pem});
  Expected<HttpClientResponse> response =
      client.Send({.url = "https://127.0.0.1:" + std::to_string(server.port()) + "/x"});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(response.error().message.find("certificate verify failed"), std::string::npos)
      << response.error().message;
}

TEST(HttpClient, UnusableUrlsAndMethodsAreInvalidArguments) {
  HttpClient client;
  struct Row {
    std::string method;
    std::string url;
    std::string field;
  };
  const std::vector<Row> rows = {
      {"GET", "not a url", "url"},
      {"GET", "ftp://example.com/file", "url"},
      {"GET", "http:///no-host", "url"},
      {"GET", "/relative/path", "url"},
      {"FROB", "http://127.0.0.1:1/", "method"},
  };
  for (const Row& row : rows) {
    Expected<HttpClientResponse> response = client.Send({.method = row.method, .url = row.url});
    ASSERT_FALSE(response) << row.url;
    EXPECT_EQ(response.error().code, ErrorCode::kInvalidArgument) << row.url;
    ASSERT_EQ(response.error().fields.size(), 1u) << row.url;
    EXPECT_EQ(response.error().fields[0].field, row.field) << row.url;
  }
}

TEST(HttpClient, ConcurrentSendsFromManyThreadsAllSucceed) {
  LoopbackHttpServer server(Echo);
  HttpClient client;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        const std::string body = std::to_string(t) + "-" + std::to_string(i);
        Expected<HttpClientResponse> response =
            client.Send({.method = "POST", .url = server.BaseUrl() + "/c", .body = body});
        if (response && response->body == "got: " + body) ++ok;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 100);
  EXPECT_LE(server.connections_accepted(), 4 + 4);  // reuse, not one connection per request
}

}  // namespace
}  // namespace talky
