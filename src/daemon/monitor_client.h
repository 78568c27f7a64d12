// The unprivileged child's side of privilege separation: `MonitorClient` implements PrivOps by
// sending typed requests to the monitor (monitor_protocol.h) and waiting for the reply (one
// request in flight; the engine is single-threaded), and `MonitorBackend` is the
// kernel::Backend the engine's kernel requests run on: every call is forwarded to the real
// backend in the monitor; kernel events arrive on a second socket whose descriptor is the
// backend's event_fd(). A reply that does not decode or does not match the request is fatal
// (the `on_fatal` handler: log and exit), like anything unexpected from the monitor.
#pragma once

#include <functional>
#include <string>

#include "daemon/priv_ops.h"

namespace ike::daemon {

class MonitorClient;

class MonitorBackend final : public kernel::Backend {
 public:
  explicit MonitorBackend(MonitorClient& client) : m_client(client) {}
  std::string name() const override { return "monitor"; }
  [[nodiscard]] base::Result<base::Spi> get_spi(base::IpsecProtocol proto,
                                                const base::IpAddress& src,
                                                const base::IpAddress& dst) override;
  [[nodiscard]] base::Status add_sa(const base::SaInstall& sa) override;
  [[nodiscard]] base::Status delete_sa(const base::SaRef& ref,
                                       const base::IpAddress& src) override;
  [[nodiscard]] base::Status add_flow(const base::FlowInstall& flow) override;
  [[nodiscard]] base::Status delete_flow(const base::FlowInstall& flow) override;
  [[nodiscard]] base::Status flush() override;
  [[nodiscard]] base::Result<base::KernelState> read_state() override;
  int event_fd() const override;
  [[nodiscard]] base::Result<std::vector<base::KernelEvent>> read_events() override;
  // Several requests in one KernelBatch message (one round trip instead of one per request).
  [[nodiscard]] std::vector<base::KernelOpResult> run_batch(
      const std::vector<base::KernelOp>& ops) override;

 private:
  MonitorClient& m_client;
};

class MonitorClient final : public PrivOps {
 public:
  using FatalHandler = std::function<void(const std::string& why)>;
  // Takes ownership of both sockets. The default fatal handler logs and calls _exit(2).
  MonitorClient(int request_sock, int event_sock, FatalHandler on_fatal = {});
  ~MonitorClient() override;
  MonitorClient(const MonitorClient&) = delete;
  MonitorClient& operator=(const MonitorClient&) = delete;
  // Largest file content sent in one WriteFile message; the rest of a larger file is appended
  // through a descriptor on the same path (write_file). 64 KiB stays below the default socket
  // send buffer (net.core.wmem_default), so no SO_SNDBUF tuning is needed.
  static constexpr std::size_t kWriteChunk = std::size_t{64} * 1024;

  const char* name() const override { return "monitor"; }
  [[nodiscard]] base::Result<base::SecureBytes> read_file(const std::string& path, FileKind kind,
                                                          std::size_t max_size) override;
  [[nodiscard]] base::Result<std::vector<std::string>> list_dir(const std::string& dir) override;
  [[nodiscard]] base::Result<std::vector<std::string>> list_identity_dirs(
      const std::string& dir) override;
  [[nodiscard]] base::Status write_file(const std::string& path,
                                        std::string_view content) override;
  [[nodiscard]] base::Result<int> open_append(const std::string& path) override;
  [[nodiscard]] base::Result<int> bind_udp(const base::SockAddr& addr, bool udp_encap,
                                           int* err) override;
  [[nodiscard]] base::Result<FifoChannel> open_fifo(const std::string& path) override;
  [[nodiscard]] base::Result<PidFile> create_pid_file(const std::string& path) override;
  kernel::Backend* kernel_backend() override { return &m_backend; }
  [[nodiscard]] base::Status verify_xauth(const conf::ConfDb& conf, const std::string& user,
                                          const base::SecureBytes& password) override;

  // One request/reply exchange. An ErrorReply becomes the returned error (errno in `*err`
  // when given); a protocol failure calls the fatal handler. `fd_out` receives a passed fd.
  [[nodiscard]] base::Result<privsep::Reply> call(const privsep::Request& req,
                                                  int* fd_out = nullptr, int* err = nullptr);
  int event_sock() const noexcept { return m_event_sock; }
  // The monitor runs its start-up Mode-config-script (which `req.script` must name) with the
  // validated variables: the script's exit status, or the refusal / failure.
  [[nodiscard]] base::Result<uint8_t> run_mode_cfg_script(const privsep::RunModeCfgScriptReq& req);

 private:
  friend class MonitorBackend;  // its batch replies are checked with fatal() too
  base::Error fatal(const std::string& why);
  [[nodiscard]] base::Result<int> call_for_fd(const privsep::Request& req, int* err = nullptr);

  int m_sock = -1;
  int m_event_sock = -1;
  FatalHandler m_on_fatal;
  MonitorBackend m_backend{*this};
};

}  // namespace ike::daemon
