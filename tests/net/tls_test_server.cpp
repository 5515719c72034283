#include "net/tls_test_server.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <stdexcept>
#include <thread>

namespace talky::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

template <typename Write>
std::string ToPem(Write write) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (write(bio.get()) != 1) throw std::runtime_error("OpenSSL could not write PEM");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace

SelfSignedCertificate MakeSelfSignedCertificate(const std::string& subject_alt_name) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), &X509_free);
  if (!key || !cert) throw std::runtime_error("OpenSSL could not make a key or certificate");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("talky test"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, cert.get(), cert.get(), nullptr, nullptr, 0);
  for (const auto& [nid, value] :
       {std::pair{NID_subject_alt_name, subject_alt_name},
        std::pair{NID_basic_constraints, std::string("critical,CA:TRUE")}}) {
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
    if (extension == nullptr) throw std::runtime_error("bad certificate extension " + value);
    X509_add_ext(cert.get(), extension, -1);
    X509_EXTENSION_free(extension);
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    throw std::runtime_error("OpenSSL could not sign the certificate");
  }
  return {.certificate_pem = ToPem([&](BIO* bio) { return PEM_write_bio_X509(bio, cert.get()); }),
          .private_key_pem = ToPem([&](BIO* bio) {
            return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
          })};
}

struct OneShotTlsServer::Impl {
  asio::io_context io;
  ssl::context context{ssl::context::tls_server};
  tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  std::thread thread;
};

OneShotTlsServer::OneShotTlsServer(const SelfSignedCertificate& certificate, std::string body)
    : impl_(std::make_unique<Impl>()) {
  impl_->context.use_certificate_chain(asio::buffer(certificate.certificate_pem));
  impl_->context.use_private_key(asio::buffer(certificate.private_key_pem), ssl::context::pem);
  impl_->thread = std::thread([impl = impl_.get(), body = std::move(body)] {
    beast::error_code ec;
    tcp::socket socket(impl->io);
    impl->acceptor.accept(socket, ec);
    if (ec) return;
    ssl::stream<tcp::socket> stream(std::move(socket), impl->context);
    stream.handshake(ssl::stream_base::server, ec);
    if (ec) return;  // the client refused our certificate: what some tests expect
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::read(stream, buffer, request, ec);
    if (ec) return;
    http::response<http::string_body> response{http::status::ok, 11};
    response.body() = body;
    response.keep_alive(false);
    response.prepare_payload();
    http::write(stream, response, ec);
    stream.shutdown(ec);
  });
}

OneShotTlsServer::~OneShotTlsServer() {
  // Unblocks an accept that no client came for.
  beast::error_code ec;
  if (impl_->thread.joinable()) {
    tcp::socket poke(impl_->io);
    poke.connect(impl_->acceptor.local_endpoint(), ec);
    impl_->thread.join();
  }
}

uint16_t OneShotTlsServer::port() const { return impl_->acceptor.local_endpoint().port(); }

}  // namespace talky::testing
