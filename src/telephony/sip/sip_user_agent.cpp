#include "telephony/sip/sip_user_agent.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "telephony/sip/libre.h"  // last: it undoes libre's macros

namespace talky {
namespace {

using std::chrono::milliseconds;

constexpr int kTelephoneEventPayloadType = 101;
constexpr auto kHangupAnswerBound = std::chrono::seconds(2);
constexpr const char* kAllowHeader = "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n";

std::string SystemErrorText(int err) {
  return std::error_code(err, std::generic_category()).message();
}

// Why a trunk could not be reached, from libre's error.
std::string UnreachableText(int err) {
  if (err == EDESTADDRREQ) return "its host name does not resolve";  // libre: no A/AAAA records
  return SystemErrorText(err);
}

std::string TextOf(const pl& text) {
  return text.p != nullptr ? std::string(text.p, text.l) : std::string();
}

bool IsE164(std::string_view number) {
  if (!number.starts_with('+')) return false;
  const std::string_view digits = number.substr(1);
  if (digits.size() < 7 || digits.size() > 15 || digits.front() == '0') return false;
  return std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// AF_INET or AF_INET6 for an IP address literal (IPv6 without brackets), 0 otherwise.
int AddressFamilyOf(const std::string& address) {
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, address.c_str(), &v4) == 1) return AF_INET;
  if (inet_pton(AF_INET6, address.c_str(), &v6) == 1) return AF_INET6;
  return 0;
}

bool IsHostName(std::string_view host) {
  if (host.empty() || host.size() > 253 || host.front() == '-' || host.front() == '.') return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
  });
}

bool IsPrintableHeaderText(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c >= 0x20 && c != 0x7f && c != '"' && c != '\\'; });
}

// The trunk as the URIs we build name it.
struct TrunkAddress {
  std::string host;  // "10.0.0.1", "[2001:db8::1]" or "sip.example.com"
  int port = 0;      // 0: the transport's default (5060, or 5061 for TLS)
  int family = 0;    // AF_INET/AF_INET6 for an address, 0 for a DNS name

  std::string HostPort(bool tls) const {
    return fmt::format("{}:{}", host, port != 0 ? port : tls ? 5061 : 5060);
  }
  // The host as a certificate names it: without an IPv6 address's brackets.
  std::string CertificateName() const {
    return host.starts_with('[') ? host.substr(1, host.size() - 2) : host;
  }
};

std::expected<TrunkAddress, std::string> ParseTrunkUri(std::string_view uri) {
  constexpr std::string_view kShape = "must look like sip:HOST:PORT";
  if (!uri.starts_with("sip:")) return std::unexpected(std::string(kShape));
  std::string_view rest = uri.substr(4);
  if (rest.find_first_of("@;?>< ") != std::string_view::npos) {
    return std::unexpected(std::string(kShape) + " (no user part or parameters)");
  }
  TrunkAddress trunk;
  std::string_view port_text;
  if (rest.starts_with('[')) {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) return std::unexpected("has an unclosed IPv6 bracket");
    const std::string inner(rest.substr(1, close - 1));
    if (AddressFamilyOf(inner) != AF_INET6) return std::unexpected("has an invalid IPv6 address");
    trunk.host = std::string(rest.substr(0, close + 1));
    trunk.family = AF_INET6;
    rest = rest.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) return std::unexpected(std::string(kShape));
    if (!rest.empty()) port_text = rest.substr(1);
  } else {
    const size_t colon = rest.find(':');
    trunk.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port_text = rest.substr(colon + 1);
    trunk.family = AddressFamilyOf(trunk.host);
    if (trunk.family == AF_INET6) return std::unexpected("must put an IPv6 address in brackets");
    if (trunk.family == 0 && !IsHostName(trunk.host)) {
      return std::unexpected(std::string(kShape) + " (bad host)");
    }
  }
  if (rest.find(':') != std::string_view::npos || !port_text.empty()) {
    if (port_text.empty() || port_text.size() > 5 ||
        !std::all_of(port_text.begin(), port_text.end(),
                     [](char c) { return c >= '0' && c <= '9'; })) {
      return std::unexpected("has an invalid port");
    }
    trunk.port = std::stoi(std::string(port_text));
    if (trunk.port < 1 || trunk.port > 65535) return std::unexpected("has a port out of 1..65535");
  }
  return trunk;
}

// libre_init seeds its random numbers (Call-IDs, tags, branches) and, with OpenSSL, installs its
// own SIGPIPE handler; we keep the process's. libre never needs SIGPIPE ignored: it sends with
// MSG_NOSIGNAL. Once per process; libre_close is never called (other agents may come later).
int InitLibreOnce() {
  static std::once_flag once;
  static int error = 0;
  std::call_once(once, [] {
    struct sigaction previous {};
    sigaction(SIGPIPE, nullptr, &previous);
    error = libre_init();
    sigaction(SIGPIPE, &previous, nullptr);
  });
  return error;
}

// libre's poll set is an array indexed by file descriptor, 1024 long by default: a process with
// more open files (sockets of the rest of the engine) would see fd_listen fail with EMFILE.
int FdTableSize() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 65536;
  return static_cast<int>(std::clamp<rlim_t>(limit.rlim_cur, 1024, 65536));
}

// The RTP payload type (RFC 3551) of a codec we can offer.
std::optional<int> StaticPayloadTypeOf(std::string_view codec) {
  if (codec == "PCMU") return 0;
  if (codec == "PCMA") return 8;
  return std::nullopt;
}

bool HasSdp(const sip_msg* msg) {
  return msg_ctype_cmp(&msg->ctyp, "application", "sdp") && mbuf_get_left(msg->mb) > 0;
}

// Where the far side's SDP (already decoded into our session) wants our RTP, with the first codec
// of ours it accepted; nullopt when it accepted none or refused the stream (port 0).
std::optional<SipRemoteMedia> RemoteMediaOf(const sdp_media* audio) {
  const uint16_t port = sdp_media_rport(audio);
  if (port == 0) return std::nullopt;
  char address[INET6_ADDRSTRLEN] = {};
  if (sa_ntop(sdp_media_raddr(audio), address, sizeof(address)) != 0) return std::nullopt;
  SipRemoteMedia media;
  media.address = address;
  media.port = port;
  for (const le* element = sdp_media_format_lst(audio, false)->head; element != nullptr;
       element = element->next) {
    const auto* format = static_cast<const sdp_format*>(element->data);
    if (!format->sup) continue;
    if (format->name != nullptr && str_casecmp(format->name, "telephone-event") == 0) continue;
    media.payload_type = format->pt;
    media.codec = format->name != nullptr ? format->name : (format->pt == 0 ? "PCMU" : "PCMA");
    break;
  }
  if (media.payload_type < 0) return std::nullopt;
  if (const sdp_format* events = sdp_media_rformat(audio, "telephone-event")) {
    media.telephone_event_payload_type = events->pt;
  }
  return media;
}

}  // namespace

std::string_view ToString(SipCallEventKind kind) {
  switch (kind) {
    case SipCallEventKind::kProgress:
      return "progress";
    case SipCallEventKind::kAnswered:
      return "answered";
    case SipCallEventKind::kMediaChanged:
      return "media_changed";
    case SipCallEventKind::kEnded:
      return "ended";
  }
  return "unknown";
}

Expected<void> ValidateSipUserAgentOptions(const SipUserAgentOptions& options) {
  std::vector<FieldError> errors;
  const auto trunk = ParseTrunkUri(options.trunk_uri);
  if (!trunk) errors.push_back({"trunk_uri", trunk.error()});
  if (options.transport != "udp" && options.transport != "tcp" && options.transport != "tls") {
    errors.push_back({"transport", "must be udp, tcp or tls"});
  }
  if (!options.tls_ca_file.empty()) {
    if (options.transport != "tls") {
      errors.push_back({"tls_ca_file", "goes with the tls transport only"});
    } else if (access(options.tls_ca_file.c_str(), R_OK) != 0) {
      errors.push_back({"tls_ca_file", "cannot read '" + options.tls_ca_file + "'"});
    }
  }
  if (options.username.empty() != options.password.empty()) {
    errors.push_back(
        {options.username.empty() ? "username" : "password", "username and password go together"});
  }
  if (!IsPrintableHeaderText(options.username)) {
    errors.push_back({"username", "must be printable, without quotes or backslashes"});
  }
  if (!options.caller_id.empty() && !IsE164(options.caller_id)) {
    errors.push_back({"caller_id", "must be an E.164 number (+ and 7 to 15 digits)"});
  }
  const int local_family = AddressFamilyOf(options.local_address);
  if (local_family == 0) {
    errors.push_back({"local_address", "must be an IP address of this host"});
  } else if (options.local_address == "0.0.0.0" || options.local_address == "::") {
    // libre binds one address and puts it in Via and Contact: "any" would tell the trunk nothing.
    errors.push_back({"local_address", "must be a specific address, not " + options.local_address});
  } else if (trunk && trunk->family != 0 && trunk->family != local_family) {
    errors.push_back({"trunk_uri", "is not of the local address's IP version"});
  }
  if (options.local_port < 0 || options.local_port > 65535) {
    errors.push_back({"local_port", "must be 0 (any) or a port up to 65535"});
  }
  if (options.codecs.empty()) errors.push_back({"codecs", "must name at least one codec"});
  for (size_t i = 0; i < options.codecs.size(); ++i) {
    const std::string& codec = options.codecs[i];
    if (!StaticPayloadTypeOf(codec)) {
      errors.push_back({"codecs", "offers PCMU and PCMA only, not " + codec});
    } else if (std::find(options.codecs.begin(), options.codecs.begin() + i, codec) !=
               options.codecs.begin() + i) {
      errors.push_back({"codecs", "names " + codec + " twice"});
    }
  }
  if (!options.media_address.empty() && AddressFamilyOf(options.media_address) == 0) {
    errors.push_back({"media_address", "must be an IP address (or empty for local_address)"});
  }
  if (options.ring_timeout <= milliseconds(0) || options.ring_timeout > std::chrono::hours(1)) {
    errors.push_back({"ring_timeout", "must be positive and at most an hour"});
  }
  if (options.first_response_timeout <= milliseconds(0) ||
      options.first_response_timeout > std::chrono::minutes(1)) {
    errors.push_back({"first_response_timeout", "must be positive and at most a minute"});
  }
  if (options.shutdown_timeout <= milliseconds(0) ||
      options.shutdown_timeout > std::chrono::minutes(1)) {
    errors.push_back({"shutdown_timeout", "must be positive and at most a minute"});
  }
  if (options.user_agent.empty() || !IsPrintableHeaderText(options.user_agent)) {
    errors.push_back({"user_agent", "must be printable text"});
  }
  if (Expected<void> media = ValidateRtpMediaOptions(options.media); !media) {
    for (const FieldError& field : media.error().fields) {
      errors.push_back({"media." + field.field, field.message});
    }
  }
  if (errors.empty()) return {};
  return std::unexpected(
      Error::InvalidArgument("invalid SIP user agent options", std::move(errors)));
}

// Everything below runs on the SIP thread unless it says otherwise.
struct SipUserAgent::Impl {
  // How Invite learns its answer: set once, by the SIP thread (first sign of life, failure) or by
  // Invite itself when it stops waiting (then `abandoned`, and the call is dropped unreported).
  struct InviteHandshake {
    std::mutex mutex;
    bool decided = false;
    bool abandoned = false;
    std::promise<Expected<std::string>> answer;

    // False when the answer was already settled, which only Invite giving up does.
    bool Decide(Expected<std::string> value) {
      std::lock_guard lock(mutex);
      if (decided) return false;
      decided = true;
      answer.set_value(std::move(value));
      return true;
    }
    bool Decided() {
      std::lock_guard lock(mutex);
      return decided;
    }
  };

  // The digest credentials a call's session may be asked for. In libre memory because libre keeps
  // a reference: the session can outlive our Call while its BYE or CANCEL completes, and a trunk
  // may challenge those too.
  struct Credentials {
    char* username;  // libre strings; null when we have none
    char* password;
    bool offered;  // libre took them to answer a challenge
    bool missing;  // the trunk asked and we had none
  };

  struct Call {
    Impl* agent = nullptr;
    CallId call_id;
    std::string sip_call_id;
    sipsess* session = nullptr;
    sdp_session* sdp = nullptr;
    sdp_media* audio = nullptr;  // belongs to `sdp`
    Credentials* credentials = nullptr;
    tmr ring_timer{};
    std::unique_ptr<RtpMedia> media;             // from Invite until the call is retired
    std::shared_ptr<InviteHandshake> handshake;  // until the trunk's first sign of life
    std::optional<SipRemoteMedia> remote_media;
    bool answered = false;
    bool media_rejected = false;
    bool retired = false;  // ended or dropped: libre's callbacks for it are ignored

    Call() { tmr_init(&ring_timer); }
    ~Call() {
      tmr_cancel(&ring_timer);
      media.reset();
      // libre's session destructor sends CANCEL (once a provisional response came) or BYE when
      // the call is still up, keeps itself alive until that transaction ends, and from now on
      // calls internal handlers instead of ours.
      mem_deref(session);
      mem_deref(credentials);
      mem_deref(sdp);
    }
    Call(const Call&) = delete;
    Call& operator=(const Call&) = delete;
  };

  Impl(SipUserAgentOptions options, EventCallback on_event)
      : options_(std::move(options)),
        trunk_(*ParseTrunkUri(options_.trunk_uri)),
        transport_(options_.transport == "tls"   ? SIP_TRANSP_TLS
                   : options_.transport == "tcp" ? SIP_TRANSP_TCP
                                                 : SIP_TRANSP_UDP),
        media_address_(options_.media_address.empty() ? options_.local_address
                                                      : options_.media_address),
        contact_user_(options_.username.empty() ? "talky" : options_.username),
        on_event_(std::move(on_event)) {
    tmr_init(&retire_timer_);
    tmr_init(&shutdown_timer_);
  }

  // ---- the SIP thread's life ----

  void Run(std::promise<Expected<void>> started) {
    sip_thread_id_ = std::this_thread::get_id();
    // Our own poll set and timer list: libre's global ones belong to whoever runs re_main on the
    // main thread, and several agents may live in one process.
    if (int err = re_thread_init(); err != 0) {
      started.set_value(std::unexpected(
          Error::Unavailable("cannot start the SIP thread: " + SystemErrorText(err))));
      return;
    }
    (void)fd_setsize(FdTableSize());
    Expected<void> ready = SetUp();
    if (!ready) {
      TearDown();
      re_thread_close();
      started.set_value(std::move(ready));
      return;
    }
    started.set_value({});
    if (int err = re_main(nullptr); err != 0) {
      spdlog::error("SIP: libre's loop stopped: {}", SystemErrorText(err));
    }
    TearDown();
    re_thread_close();
  }

  Expected<void> SetUp() {
    auto failure = [](std::string what, int err) -> Expected<void> {
      return std::unexpected(Error::Unavailable(what + ": " + SystemErrorText(err)));
    };
    if (int err = mqueue_alloc(&mq_, OnWake, this); err != 0) {
      return failure("cannot create the SIP thread's queue", err);
    }
    if (trunk_.family == 0) {
      sa servers[4];
      uint32_t count = 4;
      char domain[128] = "";
      int err = dns_srv_get(domain, sizeof(domain), servers, &count);
      if (err == 0) err = dnsc_alloc(&dnsc_, nullptr, servers, count);
      if (err != 0) return failure("cannot set up DNS to resolve " + trunk_.host, err);
    }
    if (int err = sip_alloc(&sip_, dnsc_, 32, 32, 32, options_.user_agent.c_str(), OnExit, this);
        err != 0) {
      return failure("cannot create the SIP stack", err);
    }
    sa local{};
    const int port = options_.local_port;
    if (int err = sa_set_str(&local, options_.local_address.c_str(), static_cast<uint16_t>(port));
        err != 0) {
      return failure("bad local address " + options_.local_address, err);
    }
    if (transport_ == SIP_TRANSP_TLS) {
      if (Expected<void> tls = SetUpTls(); !tls) return tls;
    }
    // (The TLS context is read only for the TLS transport.)
    if (int err = sip_transp_add(sip_, transport_, &local, tls_); err != 0) {
      return failure(fmt::format("cannot bind SIP over {} to {}:{}", options_.transport,
                                 options_.local_address, port),
                     err);
    }
    sa bound{};
    if (sip_transp_laddr(sip_, &bound, transport_, &local) == 0) local_port_ = sa_port(&bound);
    if (int err = sipsess_listen(&sock_, sip_, 32, OnIncomingInvite, this); err != 0) {
      return failure("cannot listen for SIP sessions", err);
    }
    if (int err = sip_listen(&request_listener_, sip_, true, OnRequest, this); err != 0) {
      return failure("cannot listen for SIP requests", err);
    }
    std::lock_guard lock(tasks_mutex_);
    accepting_ = true;
    return {};
  }

  // The client side of TLS to the trunk, verified: libre's SIP connections start TLS without
  // checking the peer, so the context demands a certificate that chains to the trusted CAs
  // (tls_ca_file, else the system's) and names the trunk's host or address.
  Expected<void> SetUpTls() {
    auto failure = [](std::string what) -> Expected<void> {
      return std::unexpected(Error::Unavailable("TLS to the SIP trunk: " + what));
    };
    if (int err = tls_alloc(&tls_, TLS_METHOD_SSLV23, nullptr, nullptr); err != 0) {
      return failure("cannot create a TLS context: " + SystemErrorText(err));
    }
    SSL_CTX* context = tls_openssl_context(tls_);
    if (!options_.tls_ca_file.empty()) {
      if (int err = tls_add_ca(tls_, options_.tls_ca_file.c_str()); err != 0) {
        return failure("cannot load the CAs of " + options_.tls_ca_file);
      }
    } else if (SSL_CTX_set_default_verify_paths(context) != 1) {
      return failure("cannot load the system's CAs");
    }
    SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
    X509_VERIFY_PARAM* expected = SSL_CTX_get0_param(context);
    const std::string name = trunk_.CertificateName();
    const int named = trunk_.family != 0 ? X509_VERIFY_PARAM_set1_ip_asc(expected, name.c_str())
                                         : X509_VERIFY_PARAM_set1_host(expected, name.c_str(), 0);
    if (named != 1) return failure("cannot expect the name " + name);
    return {};
  }

  // After the loop: everything of libre's must be gone before re_thread_close frees the poll set
  // and timer list our objects are linked into.
  void TearDown() {
    if (!shutting_down_) {  // the loop stopped on its own, or set-up failed
      shutting_down_ = true;
      EndAllCalls();
    }
    tmr_cancel(&shutdown_timer_);
    tmr_cancel(&retire_timer_);
    DestroyRetired();
    request_listener_ = static_cast<sip_lsnr*>(mem_deref(request_listener_));
    sock_ = static_cast<sipsess_sock*>(mem_deref(sock_));
    if (sip_ != nullptr) {
      if (!close_requested_) {
        close_requested_ = true;
        sip_close(sip_, false);
      }
      // Aborts what is still pending; the last session gone, libre calls OnExit.
      if (!exited_) sip_close(sip_, true);
      if (exited_) {
        mem_deref(sip_);  // the reference libre's closing took back before calling OnExit
      } else {
        spdlog::warn("SIP: sessions still held the stack after shutdown; leaving them behind");
      }
      sip_ = nullptr;
    }
    dnsc_ = static_cast<dnsc*>(mem_deref(dnsc_));
    tls_ = static_cast<tls*>(mem_deref(tls_));
    std::deque<std::function<void()>> leftover;
    {
      std::lock_guard lock(tasks_mutex_);
      accepting_ = false;
      leftover.swap(tasks_);
    }
    for (auto& task : leftover) task();  // they see shutting_down_ and answer "stopped"
    std::lock_guard lock(tasks_mutex_);
    mq_ = static_cast<mqueue*>(mem_deref(mq_));
  }

  // ---- work from other threads ----

  // Any thread. False when the agent is stopping or stopped.
  bool Post(std::function<void()> task) {
    std::lock_guard lock(tasks_mutex_);
    if (!accepting_) return false;
    tasks_.push_back(std::move(task));
    // One wake-up per batch: RunTasks takes the whole queue, so the pipe never fills.
    if (tasks_.size() == 1 && mqueue_push(mq_, 0, nullptr) != 0) {
      tasks_.pop_back();
      return false;
    }
    return true;
  }

  static void OnWake(int id, void* data, void* arg) noexcept {
    (void)id;
    (void)data;
    static_cast<Impl*>(arg)->RunTasks();
  }

  void RunTasks() {
    std::deque<std::function<void()>> batch;
    {
      std::lock_guard lock(tasks_mutex_);
      batch.swap(tasks_);
    }
    for (auto& task : batch) task();
  }

  bool OnSipThread() const { return std::this_thread::get_id() == sip_thread_id_; }

  // Any thread but the SIP thread.
  Expected<std::string> Invite(const CallId& call_id, std::string_view to_e164,
                               std::string_view from_e164, RtpMediaCallbacks media) {
    std::vector<FieldError> errors;
    if (call_id.empty()) errors.push_back({"call_id", "is required"});
    if (!IsE164(to_e164)) errors.push_back({"to", "must be an E.164 number"});
    const std::string from(from_e164.empty() ? std::string_view(options_.caller_id) : from_e164);
    if (!IsE164(from)) {
      errors.push_back({"from", from.empty() ? "is required (no caller_id configured)"
                                             : "must be an E.164 number"});
    }
    if (!errors.empty()) {
      return std::unexpected(Error::InvalidArgument("invalid SIP call request", std::move(errors)));
    }
    if (OnSipThread()) {
      return std::unexpected(Error::Internal("Invite called from the SIP event callback"));
    }

    auto handshake = std::make_shared<InviteHandshake>();
    std::future<Expected<std::string>> answer = handshake->answer.get_future();
    const bool posted = Post([this, handshake, call_id, to = std::string(to_e164), from,
                              media = std::move(media)]() mutable {
      StartCall(handshake, call_id, to, from, std::move(media));
    });
    if (!posted) return std::unexpected(Error::Unavailable("the SIP user agent is stopped"));
    if (answer.wait_for(options_.first_response_timeout) == std::future_status::ready) {
      return answer.get();
    }
    bool gave_up = false;
    {
      std::lock_guard lock(handshake->mutex);
      if (!handshake->decided) {
        handshake->decided = true;
        handshake->abandoned = true;
        gave_up = true;
      }
    }
    if (gave_up) {
      (void)Post([this, handshake] { DropAbandoned(handshake); });
      return std::unexpected(Error::Unavailable(
          fmt::format("SIP trunk {} did not respond within {} ms", options_.trunk_uri,
                      options_.first_response_timeout.count())));
    }
    return answer.get();  // decided just before we gave up
  }

  // Any thread.
  Expected<void> Hangup(std::string_view provider_call_id) {
    std::string id(provider_call_id);
    if (OnSipThread()) {  // from the event callback: queue it, so the callback is not re-entered
      if (!calls_.contains(id)) {
        return std::unexpected(Error::NotFound("no SIP call " + id + " in progress"));
      }
      (void)Post([this, id] { (void)HangupNow(id); });
      return {};
    }
    return OnSipThreadAndWait<void>([this, id] { return HangupNow(id); }, "hang up " + id);
  }

  // Any thread: `work` on the SIP thread (at once when already there), its answer awaited with
  // a bound. `what` names the work in errors.
  template <typename T>
  Expected<T> OnSipThreadAndWait(std::function<Expected<T>()> work, std::string_view what) {
    if (OnSipThread()) return work();
    auto answer = std::make_shared<std::promise<Expected<T>>>();
    std::future<Expected<T>> result = answer->get_future();
    if (!Post([work = std::move(work), answer] { answer->set_value(work()); })) {
      return std::unexpected(
          Error::NotFound(fmt::format("{}: the SIP user agent is stopped", what)));
    }
    if (result.wait_for(kHangupAnswerBound) != std::future_status::ready) {
      return std::unexpected(
          Error::Unavailable(fmt::format("{}: the SIP thread did not answer", what)));
    }
    return result.get();
  }

  // On the SIP thread: the media of a call in progress.
  Expected<RtpMedia*> MediaOf(const std::string& sip_call_id) {
    auto found = calls_.find(sip_call_id);
    if (found == calls_.end() || found->second->media == nullptr) {
      return std::unexpected(Error::NotFound("no SIP call " + sip_call_id + " in progress"));
    }
    return found->second->media.get();
  }

  Expected<void> SendDtmf(std::string_view provider_call_id, std::string_view digits) {
    return OnSipThreadAndWait<void>(
        [this, id = std::string(provider_call_id), digits = std::string(digits)]() {
          Expected<RtpMedia*> media = MediaOf(id);
          if (!media) return Expected<void>(std::unexpected(media.error()));
          return (*media)->SendDtmf(digits);
        },
        "send DTMF");
  }

  Expected<RtpMediaStats> MediaStats(std::string_view provider_call_id) {
    return OnSipThreadAndWait<RtpMediaStats>(
        [this, id = std::string(provider_call_id)]() -> Expected<RtpMediaStats> {
          Expected<RtpMedia*> media = MediaOf(id);
          if (!media) return std::unexpected(media.error());
          return (*media)->stats();
        },
        "read RTP counters");
  }

  // Any thread but the SIP thread (where it only starts the shutdown).
  void Stop() {
    std::lock_guard stop_lock(stop_mutex_);
    {
      std::lock_guard lock(tasks_mutex_);
      if (accepting_) {
        tasks_.push_back([this] { BeginShutdown(); });
        if (tasks_.size() == 1) (void)mqueue_push(mq_, 0, nullptr);
        accepting_ = false;
      }
    }
    if (OnSipThread()) {
      spdlog::error("SIP: Stop called from the SIP thread; it cannot wait for itself");
      return;
    }
    if (thread_.joinable()) thread_.join();
  }

  // ---- calls ----

  void StartCall(const std::shared_ptr<InviteHandshake>& handshake, const CallId& call_id,
                 const std::string& to, const std::string& from, RtpMediaCallbacks media) {
    if (handshake->Decided()) return;  // Invite gave up before we got here
    if (shutting_down_) {
      handshake->Decide(std::unexpected(Error::Unavailable("the SIP user agent is stopping")));
      return;
    }
    auto call = std::make_unique<Call>();
    call->agent = this;
    call->call_id = call_id;
    call->handshake = handshake;
    if (Expected<void> created = CreateMedia(*call, std::move(media)); !created) {
      handshake->Decide(std::unexpected(created.error()));
      return;
    }
    mbuf* offer = nullptr;
    int err = MakeOffer(*call, call->media->local_port(), &offer);
    if (err == 0) err = MakeCredentials(*call);
    if (err == 0) {
      const std::string to_uri =
          fmt::format("sip:{}@{}", to, trunk_.HostPort(transport_ == SIP_TRANSP_TLS));
      const std::string from_uri = fmt::format("sip:{}@{}", from, trunk_.host);
      // libre takes its own reference to the credentials (aref): see Credentials.
      err = sipsess_connect(&call->session, sock_, to_uri.c_str(), nullptr, from_uri.c_str(),
                            contact_user_.c_str(), nullptr, 0, "application/sdp", offer, OnAuth,
                            call->credentials, true, OnOffer, OnAnswer, OnProgress, OnEstablished,
                            nullptr, nullptr, OnClose, call.get(), kAllowHeader);
    }
    mem_deref(offer);
    if (err != 0) {
      handshake->Decide(std::unexpected(Error::Unavailable(fmt::format(
          "cannot send INVITE to SIP trunk {}: {}", options_.trunk_uri, SystemErrorText(err)))));
      return;
    }
    call->sip_call_id = sip_dialog_callid(sipsess_dialog(call->session));
    tmr_start(&call->ring_timer, static_cast<uint64_t>(options_.ring_timeout.count()),
              OnRingTimeout, call.get());
    const std::string key = call->sip_call_id;
    calls_.emplace(key, std::move(call));
  }

  // The call's RTP session. Its timeout ends the call; the caller's on_timeout hears of it after.
  Expected<void> CreateMedia(Call& call, RtpMediaCallbacks callbacks) {
    std::function<void()> also_on_timeout = std::move(callbacks.on_timeout);
    callbacks.on_timeout = [this, &call, also_on_timeout = std::move(also_on_timeout)] {
      if (call.retired) return;
      // Ending the call destroys this media (and this lambda): keep what runs after.
      std::function<void()> then = also_on_timeout;
      EndCall(call, SipEndCause::kMediaTimeout, 0, {},
              fmt::format("nothing for {} ms", options_.media.rtp_timeout.count()));
      if (then) then();
    };
    Expected<std::unique_ptr<RtpMedia>> media =
        RtpMedia::Create(options_.media, std::move(callbacks));
    if (!media) {
      return std::unexpected(
          Error::Unavailable("cannot open the call's RTP session: " + media.error().Describe()));
    }
    call.media = std::move(*media);
    return {};
  }

  // Points the call's RTP at where the far side wants it (the answer, or a later change).
  void SendMediaTo(Call& call, const SipRemoteMedia& remote) {
    if (call.media == nullptr) return;
    if (Expected<void> set = call.media->SetRemote(remote); !set) {
      spdlog::warn("SIP call {}: cannot send RTP to {}:{}: {}", call.sip_call_id, remote.address,
                   remote.port, set.error().Describe());
    }
  }

  // Our SDP offer: one audio stream at the call's RTP port with the codecs of the options.
  int MakeOffer(Call& call, int local_rtp_port, mbuf** offer) {
    sa address{};
    int err = sa_set_str(&address, media_address_.c_str(), 0);
    if (err == 0) err = sdp_session_alloc(&call.sdp, &address);
    if (err == 0) {
      err = sdp_media_add(&call.audio, call.sdp, "audio", static_cast<uint16_t>(local_rtp_port),
                          "RTP/AVP");
    }
    if (err != 0) return err;
    for (const std::string& codec : options_.codecs) {
      const std::string id = std::to_string(*StaticPayloadTypeOf(codec));
      err |= sdp_format_add(nullptr, call.audio, false, id.c_str(), codec.c_str(), 8000, 1, nullptr,
                            nullptr, nullptr, false, nullptr);
    }
    if (options_.telephone_event) {
      const std::string id = std::to_string(kTelephoneEventPayloadType);
      err |= sdp_format_add(nullptr, call.audio, false, id.c_str(), "telephone-event", 8000, 1,
                            nullptr, nullptr, nullptr, false, "0-15");
    }
    err |= sdp_media_set_lattr(call.audio, true, "ptime", "20");
    if (err != 0) return err;
    return sdp_encode(offer, call.sdp, true);
  }

  int MakeCredentials(Call& call) {
    call.credentials =
        static_cast<Credentials*>(mem_zalloc(sizeof(Credentials), DestroyCredentials));
    if (call.credentials == nullptr) return ENOMEM;
    if (options_.username.empty()) return 0;
    int err = str_dup(&call.credentials->username, options_.username.c_str());
    if (err == 0) err = str_dup(&call.credentials->password, options_.password.c_str());
    return err;
  }

  static void DestroyCredentials(void* arg) noexcept {
    auto* credentials = static_cast<Credentials*>(arg);
    if (credentials->password != nullptr) {
      std::fill_n(credentials->password, std::char_traits<char>::length(credentials->password),
                  '\0');
    }
    mem_deref(credentials->username);
    mem_deref(credentials->password);
  }

  Expected<void> HangupNow(const std::string& sip_call_id) {
    auto found = calls_.find(sip_call_id);
    if (found == calls_.end()) {
      return std::unexpected(Error::NotFound("no SIP call " + sip_call_id + " in progress"));
    }
    Call& call = *found->second;
    if (!ConfirmAlive(call)) {
      return std::unexpected(Error::NotFound("no SIP call " + sip_call_id + " in progress"));
    }
    EndCall(call, call.answered ? SipEndCause::kLocalHangup : SipEndCause::kCancelled, 0, {}, {});
    return {};
  }

  void DropAbandoned(const std::shared_ptr<InviteHandshake>& handshake) {
    for (auto& [id, call] : calls_) {
      if (call->handshake == handshake) {
        Retire(*call);
        return;
      }
    }
  }

  // The trunk answered something for `call`: settles its Invite. False when Invite had already
  // given up on it; the call is then dropped, unreported.
  bool ConfirmAlive(Call& call) {
    if (call.handshake == nullptr) return true;
    std::shared_ptr<InviteHandshake> handshake = std::move(call.handshake);
    call.handshake = nullptr;
    if (handshake->Decide(call.sip_call_id)) return true;
    Retire(call);
    return false;
  }

  // Fails the Invite of a call that never showed a sign of life, and forgets the call.
  void FailUnconfirmed(Call& call, std::string message) {
    call.handshake->Decide(std::unexpected(Error::Unavailable(std::move(message))));
    call.handshake = nullptr;
    Retire(call);
  }

  SipCallEvent NewEvent(const Call& call, SipCallEventKind kind) const {
    SipCallEvent event;
    event.kind = kind;
    event.call_id = call.call_id;
    event.provider_call_id = call.sip_call_id;
    return event;
  }

  void EndCall(Call& call, SipEndCause cause, int status_code, std::string reason_phrase,
               std::string detail) {
    SipCallEvent event = NewEvent(call, SipCallEventKind::kEnded);
    event.status_code = status_code;
    event.end_cause = cause;
    event.end_reason = SipEndReason(cause, status_code, reason_phrase);
    if (!detail.empty()) event.end_reason += ": " + detail;
    event.reason_phrase = std::move(reason_phrase);
    Retire(call);  // first: a Hangup from the callback must find the call finished
    Emit(event);
  }

  // Takes the call out of the table and destroys it on the next turn of the loop, outside the
  // libre callback we may be in (destroying sends the CANCEL or BYE a live call still needs).
  void Retire(Call& call) {
    call.retired = true;
    tmr_cancel(&call.ring_timer);
    call.media.reset();  // no more audio callbacks for a finished call
    auto found = calls_.find(call.sip_call_id);
    if (found != calls_.end() && found->second.get() == &call) {
      retired_.push_back(std::move(found->second));
      calls_.erase(found);
    }
    tmr_start(&retire_timer_, 0, OnRetireTimer, this);
  }

  static void OnRetireTimer(void* arg) noexcept { static_cast<Impl*>(arg)->DestroyRetired(); }

  void DestroyRetired() {
    std::vector<std::unique_ptr<Call>> retired;
    retired.swap(retired_);
    retired.clear();
  }

  void EndAllCalls() {
    std::vector<Call*> live;
    for (auto& [id, call] : calls_) live.push_back(call.get());
    for (Call* call : live) {
      if (call->handshake != nullptr) {
        FailUnconfirmed(*call, "the SIP user agent is stopping");
      } else {
        EndCall(*call, call->answered ? SipEndCause::kLocalHangup : SipEndCause::kCancelled, 0, {},
                {});
      }
    }
  }

  void Emit(const SipCallEvent& event) {
    try {
      on_event_(event);
    } catch (const std::exception& error) {
      spdlog::error("SIP: the event callback threw on {} for call {}: {}", ToString(event.kind),
                    event.provider_call_id, error.what());
    } catch (...) {
      spdlog::error("SIP: the event callback threw on {} for call {}", ToString(event.kind),
                    event.provider_call_id);
    }
  }

  // ---- libre's callbacks (noexcept: nothing may unwind through libre's C frames) ----

  static int OnAuth(char** username, char** password, const char* realm, void* arg) noexcept {
    (void)realm;
    auto* credentials = static_cast<Credentials*>(arg);
    if (credentials->username == nullptr) {
      credentials->missing = true;
      return EAUTH;  // libre ends the call with the challenge as its final response
    }
    int err = str_dup(username, credentials->username);
    if (err == 0) err = str_dup(password, credentials->password);
    if (err == 0) credentials->offered = true;
    return err;
  }

  static void OnProgress(const sip_msg* msg, void* arg) noexcept {
    Call& call = *static_cast<Call*>(arg);
    Impl& agent = *call.agent;
    if (call.retired || !agent.ConfirmAlive(call)) return;
    if (msg->scode <= 100) return;  // 100 Trying: alive, nothing to report
    SipCallEvent event = agent.NewEvent(call, SipCallEventKind::kProgress);
    event.status_code = msg->scode;
    event.reason_phrase = TextOf(msg->reason);
    if (HasSdp(msg) && sdp_decode(call.sdp, msg->mb, false) == 0) {
      event.remote_media = RemoteMediaOf(call.audio);
      event.early_media = event.remote_media.has_value();
    }
    agent.Emit(event);
  }

  // The SDP answer to our offer, in the 2xx (or, after an offerless re-INVITE, in its ACK). An
  // error makes libre ACK, send BYE and close the session.
  static int OnAnswer(const sip_msg* msg, void* arg) noexcept {
    Call& call = *static_cast<Call*>(arg);
    Impl& agent = *call.agent;
    if (call.retired || !agent.ConfirmAlive(call)) return 0;  // dropped: its BYE follows
    std::optional<SipRemoteMedia> media;
    if (HasSdp(msg) && sdp_decode(call.sdp, msg->mb, false) == 0) {
      media = RemoteMediaOf(call.audio);
    }
    if (!media) {
      call.media_rejected = true;
      return EPROTO;
    }
    // After the answer this is the ACK answering the offer we made to an offerless re-INVITE.
    const bool moved = call.answered && media != call.remote_media;
    call.remote_media = std::move(media);
    if (moved) {
      agent.SendMediaTo(call, *call.remote_media);
      SipCallEvent event = agent.NewEvent(call, SipCallEventKind::kMediaChanged);
      event.remote_media = call.remote_media;
      agent.Emit(event);
    }
    return 0;
  }

  static void OnEstablished(const sip_msg* msg, void* arg) noexcept {
    Call& call = *static_cast<Call*>(arg);
    Impl& agent = *call.agent;
    if (call.retired) return;
    call.answered = true;
    tmr_cancel(&call.ring_timer);
    if (call.remote_media) agent.SendMediaTo(call, *call.remote_media);
    SipCallEvent event = agent.NewEvent(call, SipCallEventKind::kAnswered);
    event.status_code = msg->scode;
    event.reason_phrase = TextOf(msg->reason);
    event.remote_media = call.remote_media;
    agent.Emit(event);
  }

  // A re-INVITE from the far side: answer its offer from our same session (same codecs, same
  // port), or make a fresh offer when it came without one. An error makes libre answer 488.
  static int OnOffer(mbuf** description, const sip_msg* msg, void* arg) noexcept {
    Call& call = *static_cast<Call*>(arg);
    Impl& agent = *call.agent;
    if (call.retired) return EPROTO;
    const bool got_offer = HasSdp(msg);
    if (got_offer) {
      if (int err = sdp_decode(call.sdp, msg->mb, true); err != 0) return err;
      std::optional<SipRemoteMedia> media = RemoteMediaOf(call.audio);
      if (!media) return EPROTO;
      if (media != call.remote_media) {
        call.remote_media = media;
        if (call.answered) agent.SendMediaTo(call, *media);
        SipCallEvent event = agent.NewEvent(call, SipCallEventKind::kMediaChanged);
        event.remote_media = std::move(media);
        agent.Emit(event);
      }
    }
    return sdp_encode(description, call.sdp, !got_offer);
  }

  // libre's word that the session is over: `msg` is the final response that refused the INVITE
  // (err 0, or why libre could not answer its challenge), or null with err ECONNRESET after the
  // far side's BYE, or null with the transport's error (ECONNREFUSED, ETIMEDOUT, ...); after a 2xx
  // whose SDP we rejected, err is ours and `msg` the 2xx.
  static void OnClose(int err, const sip_msg* msg, void* arg) noexcept {
    Call& call = *static_cast<Call*>(arg);
    Impl& agent = *call.agent;
    if (call.retired) return;
    if (call.handshake != nullptr && msg == nullptr) {  // never reached the trunk: Invite fails
      agent.FailUnconfirmed(call, fmt::format("SIP trunk {} cannot be reached: {}",
                                              agent.options_.trunk_uri, UnreachableText(err)));
      return;
    }
    if (!agent.ConfirmAlive(call)) return;
    if (call.media_rejected) {
      agent.EndCall(call, SipEndCause::kMediaRejected, 0, {}, {});
    } else if (msg != nullptr && msg->scode >= 300) {
      const int status = msg->scode;
      const Credentials& credentials = *call.credentials;
      if (status == 401 || status == 407 || (status == 403 && credentials.offered)) {
        std::string detail = "the trunk refused our credentials";
        if (credentials.missing) detail = "the trunk asks for credentials and none are configured";
        if (!credentials.offered && !credentials.missing && err != 0) {
          detail = "cannot answer the trunk's challenge: " + SystemErrorText(err);
        }
        agent.EndCall(call, SipEndCause::kAuthFailed, status, TextOf(msg->reason), detail);
      } else {
        agent.EndCall(call, SipEndCause::kFinalResponse, status, TextOf(msg->reason), {});
      }
    } else if (call.answered && err == ECONNRESET && msg == nullptr) {
      // After the answer only the far side's BYE closes a session this way.
      agent.EndCall(call, SipEndCause::kRemoteHangup, 0, {}, {});
    } else {
      agent.EndCall(call, SipEndCause::kTransportError, 0, {},
                    err != 0 ? SystemErrorText(err) : std::string("closed without a response"));
    }
  }

  static void OnRingTimeout(void* arg) noexcept {
    Call& call = *static_cast<Call*>(arg);
    Impl& agent = *call.agent;
    if (call.retired) return;
    if (call.handshake != nullptr) {
      agent.FailUnconfirmed(call,
                            fmt::format("SIP trunk {} did not respond within the ring timeout",
                                        agent.options_.trunk_uri));
      return;
    }
    // Destroying the call sends the CANCEL; its 487 goes to libre, not to us.
    agent.EndCall(call, SipEndCause::kRingTimeout, 487, "Request Terminated", {});
  }

  // We place calls; we take none.
  static void OnIncomingInvite(const sip_msg* msg, void* arg) noexcept {
    (void)sip_treply(nullptr, static_cast<Impl*>(arg)->sip_, msg, 603, "Decline");
  }

  // Requests no session claimed. OPTIONS is how trunks check that we are alive.
  static bool OnRequest(const sip_msg* msg, void* arg) noexcept {
    if (pl_strcmp(&msg->met, "OPTIONS") != 0) return false;
    (void)sip_treplyf(nullptr, nullptr, static_cast<Impl*>(arg)->sip_, msg, false, 200, "OK",
                      "%sContent-Length: 0\r\n\r\n", kAllowHeader);
    return true;
  }

  // ---- shutdown ----

  void BeginShutdown() {
    shutting_down_ = true;
    EndAllCalls();
    DestroyRetired();  // sends their BYEs and CANCELs now
    request_listener_ = static_cast<sip_lsnr*>(mem_deref(request_listener_));
    sock_ = static_cast<sipsess_sock*>(mem_deref(sock_));  // lingering sessions keep their own
    close_requested_ = true;
    sip_close(sip_, false);  // OnExit once the last session is gone, maybe right now
    if (!exited_) {
      tmr_start(&shutdown_timer_, static_cast<uint64_t>(options_.shutdown_timeout.count()),
                OnShutdownTimeout, this);
    }
  }

  static void OnExit(void* arg) noexcept {
    Impl& agent = *static_cast<Impl*>(arg);
    agent.exited_ = true;
    tmr_cancel(&agent.shutdown_timer_);
    re_cancel();
  }

  static void OnShutdownTimeout(void* arg) noexcept {
    Impl& agent = *static_cast<Impl*>(arg);
    spdlog::warn("SIP: hang-ups did not finish within {} ms; closing regardless",
                 agent.options_.shutdown_timeout.count());
    sip_close(agent.sip_, true);
    re_cancel();
  }

  const SipUserAgentOptions options_;
  const TrunkAddress trunk_;
  const sip_transp transport_;
  const std::string media_address_;
  const std::string contact_user_;
  const EventCallback on_event_;

  std::thread thread_;
  std::thread::id sip_thread_id_;
  std::atomic<int> local_port_ = 0;
  std::mutex stop_mutex_;

  std::mutex tasks_mutex_;  // guards the three below
  std::deque<std::function<void()>> tasks_;
  bool accepting_ = false;
  mqueue* mq_ = nullptr;

  // The SIP thread's alone.
  sip* sip_ = nullptr;
  dnsc* dnsc_ = nullptr;
  tls* tls_ = nullptr;  // the TLS transport's context
  sipsess_sock* sock_ = nullptr;
  sip_lsnr* request_listener_ = nullptr;
  std::map<std::string, std::unique_ptr<Call>> calls_;  // by SIP Call-ID
  std::vector<std::unique_ptr<Call>> retired_;
  tmr retire_timer_{};
  tmr shutdown_timer_{};
  bool shutting_down_ = false;
  bool close_requested_ = false;
  bool exited_ = false;
};

Expected<std::unique_ptr<SipUserAgent>> SipUserAgent::Start(SipUserAgentOptions options,
                                                            EventCallback on_event) {
  if (Expected<void> valid = ValidateSipUserAgentOptions(options); !valid) {
    return std::unexpected(valid.error());
  }
  if (!on_event) {
    return std::unexpected(
        Error::InvalidArgument("invalid SIP user agent", {{"on_event", "is required"}}));
  }
  if (int err = InitLibreOnce(); err != 0) {
    return std::unexpected(Error::Unavailable("libre did not initialise: " + SystemErrorText(err)));
  }
  auto impl = std::make_unique<Impl>(std::move(options), std::move(on_event));
  std::promise<Expected<void>> started;
  std::future<Expected<void>> ready = started.get_future();
  impl->thread_ = std::thread(
      [raw = impl.get(), promise = std::move(started)]() mutable { raw->Run(std::move(promise)); });
  // Set-up is local work (bind, allocate, read resolv.conf): it does not block on the network.
  Expected<void> result = ready.get();
  if (!result) {
    impl->thread_.join();
    return std::unexpected(result.error());
  }
  return std::unique_ptr<SipUserAgent>(new SipUserAgent(std::move(impl)));
}

SipUserAgent::SipUserAgent(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SipUserAgent::~SipUserAgent() { Stop(); }

Expected<std::string> SipUserAgent::Invite(const CallId& call_id, std::string_view to_e164,
                                           std::string_view from_e164, RtpMediaCallbacks media) {
  return impl_->Invite(call_id, to_e164, from_e164, std::move(media));
}

Expected<void> SipUserAgent::SendDtmf(std::string_view provider_call_id, std::string_view digits) {
  return impl_->SendDtmf(provider_call_id, digits);
}

Expected<RtpMediaStats> SipUserAgent::MediaStats(std::string_view provider_call_id) {
  return impl_->MediaStats(provider_call_id);
}

Expected<void> SipUserAgent::Hangup(std::string_view provider_call_id) {
  return impl_->Hangup(provider_call_id);
}

void SipUserAgent::Stop() { impl_->Stop(); }

int SipUserAgent::local_port() const { return impl_->local_port_; }

}  // namespace talky
