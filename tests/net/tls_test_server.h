// A one-connection HTTPS server on 127.0.0.1 with a self-signed certificate made for the test, to
// check that HttpClient verifies certificates (chain and host) and speaks HTTP over TLS.
// It serves one request on its own thread; the destructor joins it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace talky::testing {

struct SelfSignedCertificate {
  std::string certificate_pem;
  std::string private_key_pem;
};

// A certificate for the given subjectAltName ("IP:127.0.0.1", "DNS:example.com").
SelfSignedCertificate MakeSelfSignedCertificate(const std::string& subject_alt_name);

class OneShotTlsServer {
 public:
  // Answers the first request it reads with 200 and `body`.
  OneShotTlsServer(const SelfSignedCertificate& certificate, std::string body);
  ~OneShotTlsServer();

  uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace talky::testing
