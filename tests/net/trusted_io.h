// What a test of a cloud client needs: a certificate for 127.0.0.1 (for the fake server), a TLS
// context that trusts it as a private CA would be trusted, and an io_context running on a thread
// of its own, as the process's cloud clients run.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <thread>

#include "net/tls_client.h"
#include "net/tls_test_server.h"

namespace talky::testing {

class TrustedIo {
 public:
  TrustedIo()
      : certificate(MakeSelfSignedCertificate("IP:127.0.0.1")),
        tls(MakeVerifyingTlsContext(certificate.certificate_pem)),
        work_(boost::asio::make_work_guard(io)),
        thread_([this] { io.run(); }) {}
  ~TrustedIo() {
    work_.reset();
    io.stop();
    thread_.join();
  }
  TrustedIo(const TrustedIo&) = delete;
  TrustedIo& operator=(const TrustedIo&) = delete;

  SelfSignedCertificate certificate;
  boost::asio::ssl::context tls;
  boost::asio::io_context io;

 private:
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;  // last: runs once the members above exist
};

}  // namespace talky::testing
