// The Linux XFRM kernel backend: kernel::Backend over two NETLINK_XFRM sockets (libmnl). The
// request socket sends one message at a time with a fresh sequence number and reads until the
// reply carrying that number (ACK, NLMSG_ERROR or the ALLOCSPI answer; a 5-s receive timeout
// bounds the wait); replies are parsed by the bounded parsers of xfrm_message.h. The event
// socket is bound to XFRMNLGRP_ACQUIRE and XFRMNLGRP_EXPIRE and non-blocking; the daemon polls
// event_fd() and drains read_events(). The backend remembers every SA, larval SPI and policy it
// installed, so delete_* work by reference and flush() removes exactly those (nothing left
// behind, nothing else touched). Errors name the SA or flow and the kernel's errno text.
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "kernel/backend.h"
#include "kernel/flush_installed.h"

struct mnl_socket;

namespace ike::kernel::xfrm {
struct NetlinkMessage;
}

namespace ike::kernel {

class XfrmBackend final : public Backend {
 public:
  // Opens and binds both sockets; fails (naming the step and errno) without CAP_NET_ADMIN.
  [[nodiscard]] static base::Result<std::unique_ptr<XfrmBackend>> open();
  ~XfrmBackend() override;
  XfrmBackend(const XfrmBackend&) = delete;
  XfrmBackend& operator=(const XfrmBackend&) = delete;

  std::string name() const override { return "xfrm"; }
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

  std::size_t installed_sa_count() const noexcept { return m_sas.size() + m_larval.size(); }
  std::size_t installed_flow_count() const noexcept { return m_flows.size(); }

 private:
  XfrmBackend(mnl_socket* requests, mnl_socket* events);
  // Sends `msg` (its nlmsg_seq must be `seq`, NLM_F_ACK set) and waits for the matching ACK;
  // a non-zero errno becomes an Io error "xfrm: <what>: <strerror>". dump() collects the
  // messages of a NLM_F_DUMP reply up to NLMSG_DONE.
  [[nodiscard]] base::Status request_ack(base::ByteView msg, uint32_t seq,
                                         const std::string& what);
  // The same, returning the kernel's errno (0 = ACK); socket trouble is the error.
  [[nodiscard]] base::Result<int> request_errno(base::ByteView msg, uint32_t seq,
                                                const std::string& what);
  [[nodiscard]] base::Status send(base::ByteView msg, const std::string& what);
  // Sends `msg` and hands every reply carrying `seq` and our port id to `on_reply` (which
  // returns true once the request is answered), reading at most `max_datagrams` datagrams;
  // false when they ran out first. The one receive loop of all requests.
  using ReplyHandler = std::function<base::Result<bool>(const xfrm::NetlinkMessage&)>;
  [[nodiscard]] base::Result<bool> exchange(base::ByteView msg, uint32_t seq,
                                            const std::string& what, int max_datagrams,
                                            const ReplyHandler& on_reply);
  [[nodiscard]] base::Result<std::vector<base::Bytes>> dump(base::ByteView msg, uint32_t seq,
                                                            const std::string& what);
  uint32_t next_seq() noexcept { return ++m_seq; }

  using SaKey = InstalledSa;  // (ref, src)
  using FlowKey = std::tuple<base::Direction, base::TrafficSelector, base::TrafficSelector>;

  mnl_socket* m_requests;
  mnl_socket* m_events;
  uint32_t m_seq;
  std::set<SaKey> m_larval;  // ALLOCSPI'd, not yet keyed
  std::set<SaKey> m_sas;
  std::vector<base::FlowInstall> m_flows;
  std::vector<uint8_t> m_buffer;
};

}  // namespace ike::kernel
