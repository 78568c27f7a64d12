// MonitorClient and MonitorBackend (monitor_client.h).
#include "daemon/monitor_client.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/log.h"
#include "daemon/monitor_policy.h"
#include "policy/limits.h"

namespace ike::daemon {

using base::ErrorCode;
using base::NotifyType;
using base::make_error;
using namespace privsep;

MonitorClient::MonitorClient(int request_sock, int event_sock, FatalHandler on_fatal)
    : m_sock(request_sock), m_event_sock(event_sock), m_on_fatal(std::move(on_fatal)) {
  if (!m_on_fatal) {
    m_on_fatal = [](const std::string& why) {
      IKE_LOG_ERROR("privsep: {}; exiting", why);
      ::_exit(2);
    };
  }
}

MonitorClient::~MonitorClient() {
  if (m_sock >= 0) ::close(m_sock);
  if (m_event_sock >= 0) ::close(m_event_sock);
}

base::Error MonitorClient::fatal(const std::string& why) {
  m_on_fatal(why);
  return make_error(ErrorCode::Internal, NotifyType::None, "privsep: {}", why);
}

base::Result<Reply> MonitorClient::call(const Request& req, int* fd_out, int* err) {
  if (fd_out != nullptr) *fd_out = -1;
  if (err != nullptr) *err = 0;
  auto msg = encode_request(req);
  if (!msg) return std::move(msg).error();  // over a cap: refused locally, not fatal
  if (auto st = send_message(m_sock, *msg); !st) return fatal(st.error().detail);
  base::Bytes in;
  int fd = -1;
  if (auto st = receive_message(m_sock, in, &fd); !st) return fatal(st.error().detail);
  auto rep = decode_reply(base::view(in));
  if (!rep) {
    if (fd >= 0) ::close(fd);
    return fatal(rep.error().detail);
  }
  bool is_fd = std::holds_alternative<FdReply>(*rep);
  if (is_fd != (fd >= 0)) {
    if (fd >= 0) ::close(fd);
    return fatal(is_fd ? "Fd reply without a descriptor" : "descriptor on a non-Fd reply");
  }
  if (auto* e = std::get_if<ErrorReply>(&*rep)) {
    if (err != nullptr) *err = e->sys_errno;
    return base::Error{e->code, NotifyType::None, e->detail};
  }
  if (is_fd) {
    if (fd_out == nullptr) {
      ::close(fd);
      return fatal("unexpected descriptor");
    }
    *fd_out = fd;
  }
  return rep;
}

base::Result<uint8_t> MonitorClient::run_mode_cfg_script(const RunModeCfgScriptReq& req) {
  IKE_TRY(auto rep, call(req));
  auto* st = std::get_if<ScriptStatusReply>(&rep);
  if (st == nullptr) return fatal("RunModeCfgScript: reply is not ScriptStatus");
  return st->exit_status;
}

base::Result<int> MonitorClient::call_for_fd(const Request& req, int* err) {
  int fd = -1;
  IKE_TRY(auto rep, call(req, &fd, err));
  if (fd < 0) return fatal(fmt::format("expected a descriptor, got reply type {}", rep.index()));
  return fd;
}

base::Result<base::SecureBytes> MonitorClient::read_file(const std::string& path, FileKind kind,
                                                         std::size_t max_size) {
  IKE_TRY(int fd, call_for_fd(ReadFileReq{kind, path}));
  return read_fd(fd, path, max_size);
}

base::Result<std::vector<std::string>> MonitorClient::list_dir(const std::string& dir) {
  IKE_TRY(auto rep, call(ListDirReq{dir}));
  auto* names = std::get_if<NamesReply>(&rep);
  if (names == nullptr) return fatal("ListDir: reply is not Names");
  for (const auto& n : names->names) {
    if (n.empty() || n == "." || n == ".." || n.find('/') != std::string::npos ||
        n.find('\0') != std::string::npos) {
      return fatal("ListDir: bad name in the reply");
    }
  }
  return std::move(names->names);
}

base::Result<std::vector<std::string>> MonitorClient::list_identity_dirs(const std::string& dir) {
  IKE_TRY(auto rep, call(ListIdentityDirsReq{dir}));
  auto* names = std::get_if<NamesReply>(&rep);
  if (names == nullptr) return fatal("ListIdentityDirs: reply is not Names");
  if (names->names.size() > policy::kMaxIdentityCredentialDirs) {
    return fatal("ListIdentityDirs: too many names in the reply");
  }
  for (const auto& n : names->names) {
    if (!valid_identity_dir_name(n)) return fatal("ListIdentityDirs: bad name in the reply");
  }
  return std::move(names->names);
}

// A file that fits in one message (kWriteChunk) is written atomically by the monitor. A larger one
// (the `S` result with thousands of SAs, reports) cannot travel in one kMaxMessage message: the
// monitor writes the first chunk atomically (0600, a fresh file), then hands over an O_APPEND
// descriptor on the same allow-listed path and the child writes the rest itself. A reader may see
// the file grow, as with OpenBSD isakmpd, which writes these files in place.
base::Status MonitorClient::write_file(const std::string& path, std::string_view content) {
  std::string_view first = content.substr(0, std::min(content.size(), kWriteChunk));
  IKE_TRY(auto rep, call(WriteFileReq{path, std::string(first)}));
  if (!std::holds_alternative<OkReply>(rep)) return fatal("WriteFile: reply is not Ok");
  if (first.size() == content.size()) return base::ok();
  IKE_TRY(int fd, open_append(path));
  std::string_view rest = content.substr(first.size());
  while (!rest.empty()) {
    ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      return base::make_error(base::ErrorCode::Io, base::NotifyType::None, "writing {}: {}", path,
                              std::strerror(err));
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  ::close(fd);
  return base::ok();
}

base::Result<int> MonitorClient::open_append(const std::string& path) {
  return call_for_fd(OpenAppendReq{path});
}

base::Result<int> MonitorClient::bind_udp(const base::SockAddr& addr, bool udp_encap, int* err) {
  return call_for_fd(BindUdpReq{addr, udp_encap}, err);
}

base::Result<FifoChannel> MonitorClient::open_fifo(const std::string& path) {
  if (path == "-") return FifoChannel::open(path);  // standard input: nothing to create
  IKE_TRY(int fd, call_for_fd(OpenFifoReq{path}));
  return FifoChannel::adopt(fd, path);
}

base::Result<PidFile> MonitorClient::create_pid_file(const std::string& path) {
  (void)path;  // the monitor knows it from the command line
  IKE_TRY(auto rep, call(StartedReq{}));
  if (!std::holds_alternative<OkReply>(rep)) return fatal("Started: reply is not Ok");
  return PidFile{};
}

// ------------------------------------------------------------------------------ MonitorBackend

namespace {

base::Status expect_ok(MonitorClient& c, const Request& req, const char* what) {
  IKE_TRY(auto rep, c.call(req));
  if (!std::holds_alternative<OkReply>(rep)) {
    return make_error(ErrorCode::Internal, NotifyType::None, "privsep {}: reply is not Ok", what);
  }
  return base::ok();
}

}  // namespace

base::Result<base::Spi> MonitorBackend::get_spi(base::IpsecProtocol proto,
                                                const base::IpAddress& src,
                                                const base::IpAddress& dst) {
  IKE_TRY(auto rep, m_client.call(GetSpiReq{proto, src, dst}));
  auto* spi = std::get_if<SpiReply>(&rep);
  if (spi == nullptr) {
    return make_error(ErrorCode::Internal, NotifyType::None, "privsep GetSpi: reply is not Spi");
  }
  return spi->spi;
}

base::Status MonitorBackend::add_sa(const base::SaInstall& sa) {
  return expect_ok(m_client, AddSaReq{sa}, "AddSa");
}

base::Status MonitorBackend::delete_sa(const base::SaRef& ref, const base::IpAddress& src) {
  return expect_ok(m_client, DeleteSaReq{ref, src}, "DeleteSa");
}

base::Status MonitorBackend::add_flow(const base::FlowInstall& flow) {
  return expect_ok(m_client, AddFlowReq{flow}, "AddFlow");
}

base::Status MonitorBackend::delete_flow(const base::FlowInstall& flow) {
  return expect_ok(m_client, DeleteFlowReq{flow}, "DeleteFlow");
}

namespace {

KernelOpReq to_request(const base::KernelOp& op) {
  return std::visit(
      [](const auto& o) -> KernelOpReq {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, base::KernelGetSpi>) {
          return GetSpiReq{o.protocol, o.src, o.dst};
        } else if constexpr (std::is_same_v<T, base::KernelAddSa>) {
          return AddSaReq{o.sa};
        } else if constexpr (std::is_same_v<T, base::KernelDeleteSa>) {
          return DeleteSaReq{o.ref, o.src};
        } else if constexpr (std::is_same_v<T, base::KernelAddFlow>) {
          return AddFlowReq{o.flow};
        } else {
          return DeleteFlowReq{o.flow};
        }
      },
      op);
}

}  // namespace

// Up to kMaxBatchOps requests per KernelBatch message; a single request keeps its own message.
// The monitor answers each entry: an Error entry fails that op only; a reply of the wrong kind
// (Spi for an SA install, Ok for a GetSpi) or a wrong count is a protocol failure (fatal).
std::vector<base::KernelOpResult> MonitorBackend::run_batch(const std::vector<base::KernelOp>& ops) {
  if (ops.size() <= 1) return Backend::run_batch(ops);
  std::vector<base::KernelOpResult> out;
  out.reserve(ops.size());
  for (std::size_t first = 0; first < ops.size(); first += kMaxBatchOps) {
    const std::size_t n = std::min(kMaxBatchOps, ops.size() - first);
    KernelBatchReq req;
    req.ops.reserve(n);
    for (std::size_t i = first; i < first + n; ++i) req.ops.push_back(to_request(ops[i]));
    auto rep = m_client.call(req);
    auto* batch = rep ? std::get_if<BatchReply>(&*rep) : nullptr;
    if (rep && (batch == nullptr || batch->replies.size() != n)) {
      rep = m_client.fatal("KernelBatch: the reply is not a Batch of one reply per request");
    }
    for (std::size_t i = 0; i < n; ++i) {
      base::KernelOpResult r;
      if (!rep) {
        r.status = rep.error();  // refused locally (a cap) or by the monitor as a whole
      } else if (auto* e = std::get_if<ErrorReply>(&batch->replies[i])) {
        r.status = base::Error{e->code, NotifyType::None, e->detail};
      } else {
        const bool is_spi = std::holds_alternative<SpiReply>(batch->replies[i]);
        const bool wants_spi = std::holds_alternative<base::KernelGetSpi>(ops[first + i]);
        if (is_spi != wants_spi) {
          r.status = m_client.fatal(fmt::format("KernelBatch: entry {} answers {} with {}", i + 1,
                                                base::kernel_op_name(ops[first + i]),
                                                is_spi ? "an SPI" : "Ok"));
        } else if (is_spi) {
          r.spi = std::get<SpiReply>(batch->replies[i]).spi;
        }
      }
      out.push_back(std::move(r));
    }
  }
  return out;
}

base::Status MonitorBackend::flush() { return expect_ok(m_client, FlushReq{}, "Flush"); }

base::Result<base::KernelState> MonitorBackend::read_state() {
  IKE_TRY(auto rep, m_client.call(ReadStateReq{}));
  auto* st = std::get_if<StateReply>(&rep);
  if (st == nullptr) {
    return make_error(ErrorCode::Internal, NotifyType::None,
                      "privsep ReadState: reply is not State");
  }
  return std::move(st->state);
}

int MonitorBackend::event_fd() const { return m_client.event_sock(); }

base::Result<std::vector<base::KernelEvent>> MonitorBackend::read_events() {
  std::vector<base::KernelEvent> out;
  for (int i = 0; i < 64; ++i) {  // bounded batch
    base::Bytes in;
    int fd = -1;
    // Non-blocking peek: stop when nothing is pending.
    char probe;
    if (::recv(m_client.event_sock(), &probe, 1, MSG_PEEK | MSG_DONTWAIT) < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    }
    IKE_TRY_VOID(privsep::receive_message(m_client.event_sock(), in, &fd));
    if (fd >= 0) {
      ::close(fd);
      return make_error(ErrorCode::BadValue, NotifyType::None,
                        "privsep: descriptor on a kernel event");
    }
    IKE_TRY(auto ev, decode_event(base::view(in)));
    out.push_back(std::move(ev.event));
  }
  return out;
}

base::Status MonitorClient::verify_xauth(const conf::ConfDb& /*conf*/, const std::string& user,
                                         const base::SecureBytes& password) {
  // An ErrorReply (refused credentials, no backend) comes back as the error.
  return expect_ok(*this, XauthVerifyReq{user, password}, "XauthVerify");
}

}  // namespace ike::daemon
