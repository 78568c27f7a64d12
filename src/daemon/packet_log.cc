// Classic pcap writer for the cleartext IKE capture (see packet_log.h).
#include "daemon/packet_log.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include "base/log.h"

namespace ike::daemon {

using base::ErrorCode;
using base::NotifyType;

namespace {

constexpr uint8_t kIpProtoUdp = 17;
constexpr std::size_t kIpv4Header = 20, kIpv6Header = 40, kUdpHeader = 8, kRecordHeader = 16;

void put16(base::Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void set16(base::Bytes& b, std::size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}
// resize + memcpy rather than insert(): GCC 12 -O3 reports a false -Wstringop-overflow on
// vector::insert of a small array into an empty vector.
void put_host32(base::Bytes& b, uint32_t v) {
  const std::size_t at = b.size();
  b.resize(at + 4);
  std::memcpy(b.data() + at, &v, 4);  // libpcap writes the headers in the writer's byte order
}
void put_host16(base::Bytes& b, uint16_t v) {
  const std::size_t at = b.size();
  b.resize(at + 2);
  std::memcpy(b.data() + at, &v, 2);
}

// RFC 768 / RFC 8200 §8.1 pseudo-header sum.
uint32_t pseudo_sum(const base::IpAddress& src, const base::IpAddress& dst, std::size_t udp_len) {
  uint32_t sum = 0;
  for (auto a : {src.bytes(), dst.bytes()}) {
    for (std::size_t i = 0; i + 1 < a.size(); i += 2) sum += (uint32_t{a[i]} << 8) | a[i + 1];
  }
  sum += kIpProtoUdp;
  sum += static_cast<uint32_t>(udp_len >> 16);
  sum += static_cast<uint32_t>(udp_len & 0xffff);
  return sum;
}

}  // namespace

uint16_t internet_checksum(base::ByteView data, uint32_t initial) {
  uint64_t sum = initial;
  std::size_t i = 0;
  for (; i + 1 < data.size(); i += 2) sum += (uint32_t{data[i]} << 8) | data[i + 1];
  if (i < data.size()) sum += uint32_t{data[i]} << 8;
  while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xffff);
}

base::Bytes pcap_file_header() {
  base::Bytes b;
  put_host32(b, kPcapMagic);
  put_host16(b, 2);  // version 2.4
  put_host16(b, 4);
  put_host32(b, 0);  // thiszone
  put_host32(b, 0);  // sigfigs
  put_host32(b, kPcapSnaplen);
  put_host32(b, kLinktypeRaw);
  return b;
}

base::Bytes pcap_record(const base::SockAddr& src_in, const base::SockAddr& dst,
                        base::ByteView message, int64_t unix_usec, uint16_t nat_t_port) {
  base::SockAddr src = src_in;
  if (src.address.family() != dst.address.family()) {
    src.address = dst.address.is_v4() ? base::IpAddress{} : base::IpAddress::netmask(
                                                                base::Family::V6, 0);
  }
  const bool v4 = dst.address.is_v4();
  const bool marker = nat_t_port != 0 && (src.port == nat_t_port || dst.port == nat_t_port);
  const std::size_t ip_header = v4 ? kIpv4Header : kIpv6Header;
  const std::size_t marker_len = marker ? 4 : 0;
  const std::size_t max_msg = kPcapSnaplen - ip_header - kUdpHeader - marker_len;
  message = message.first(std::min(message.size(), max_msg));
  const std::size_t udp_len = kUdpHeader + marker_len + message.size();

  base::Bytes pkt;
  pkt.reserve(ip_header + udp_len);
  if (v4) {
    // RFC 791: version 4, IHL 5, TOS 0, total length, id 0, DF, TTL 64, UDP, checksum.
    pkt.push_back(0x45);
    pkt.push_back(0);
    put16(pkt, static_cast<uint16_t>(kIpv4Header + udp_len));
    put16(pkt, 0);
    put16(pkt, 0x4000);
    pkt.push_back(64);
    pkt.push_back(kIpProtoUdp);
    put16(pkt, 0);
    auto s = src.address.bytes(), d = dst.address.bytes();
    pkt.insert(pkt.end(), s.begin(), s.end());
    pkt.insert(pkt.end(), d.begin(), d.end());
    set16(pkt, 10, internet_checksum(base::ByteView(pkt)));
  } else {
    // RFC 8200 §3: version 6, class 0, flow 0, payload length, next header UDP, hop limit 64.
    pkt.push_back(0x60);
    pkt.push_back(0);
    put16(pkt, 0);
    put16(pkt, static_cast<uint16_t>(udp_len));
    pkt.push_back(kIpProtoUdp);
    pkt.push_back(64);
    auto s = src.address.bytes(), d = dst.address.bytes();
    pkt.insert(pkt.end(), s.begin(), s.end());
    pkt.insert(pkt.end(), d.begin(), d.end());
  }
  const std::size_t udp_at = pkt.size();
  put16(pkt, src.port);
  put16(pkt, dst.port);
  put16(pkt, static_cast<uint16_t>(udp_len));
  put16(pkt, 0);
  if (marker) pkt.insert(pkt.end(), 4, 0);  // RFC 3948 §2.2 non-ESP marker
  pkt.insert(pkt.end(), message.begin(), message.end());
  uint16_t csum = internet_checksum(base::ByteView(pkt).subspan(udp_at),
                                    pseudo_sum(src.address, dst.address, udp_len));
  if (csum == 0) csum = 0xffff;  // RFC 768: a computed zero is sent as all ones
  set16(pkt, udp_at + 6, csum);

  base::Bytes rec;
  rec.reserve(kRecordHeader + pkt.size());
  int64_t usec = unix_usec < 0 ? 0 : unix_usec;
  put_host32(rec, static_cast<uint32_t>(usec / 1000000));
  put_host32(rec, static_cast<uint32_t>(usec % 1000000));
  put_host32(rec, static_cast<uint32_t>(pkt.size()));
  put_host32(rec, static_cast<uint32_t>(pkt.size()));
  rec.insert(rec.end(), pkt.begin(), pkt.end());
  return rec;
}

PacketLogFile::PacketLogFile(PacketLogFile&& o) noexcept
    : m_fd(std::exchange(o.m_fd, -1)),
      m_path(std::move(o.m_path)),
      m_nat_t_port(o.m_nat_t_port),
      m_records(o.m_records) {}

PacketLogFile& PacketLogFile::operator=(PacketLogFile&& o) noexcept {
  if (this != &o) {
    close();
    m_fd = std::exchange(o.m_fd, -1);
    m_path = std::move(o.m_path);
    m_nat_t_port = o.m_nat_t_port;
    m_records = o.m_records;
  }
  return *this;
}

PacketLogFile::~PacketLogFile() { close(); }

void PacketLogFile::close() {
  if (m_fd >= 0) ::close(m_fd);
  m_fd = -1;
}

namespace {

base::Status write_all(int fd, base::ByteView b, const std::string& path) {
  std::size_t off = 0;
  while (off < b.size()) {
    ssize_t n = ::write(fd, b.data() + off, b.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return make_error(ErrorCode::Io, NotifyType::None, "packet capture {}: write: {}", path,
                        std::strerror(errno));
    }
    off += static_cast<std::size_t>(n);
  }
  return base::ok();
}

}  // namespace

namespace {

std::optional<std::string> real_dir(const std::string& dir) {
  char buf[PATH_MAX];
  if (::realpath(dir.c_str(), buf) == nullptr) return std::nullopt;
  return std::string(buf);
}

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

base::Status check_capture_path(const std::string& path, const std::vector<std::string>& extra) {
  auto slash = path.rfind('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (path.empty() || name.empty() || name == "." || name == "..") {
    return make_error(ErrorCode::BadValue, NotifyType::None,
                      "packet capture path \"{}\" names no file", base::sanitize_for_log(path));
  }
  auto dir = real_dir(dir_of(path));
  if (!dir) {
    return make_error(ErrorCode::BadValue, NotifyType::None,
                      "packet capture path \"{}\": directory {}: {}", base::sanitize_for_log(path),
                      base::sanitize_for_log(dir_of(path)), std::strerror(errno));
  }
  std::vector<std::string> allowed{"/run", "/var/run"};
  for (const auto& e : extra) allowed.push_back(dir_of(e));
  std::string names;
  for (const auto& a : allowed) {
    auto ra = real_dir(a);
    if (ra && *ra == *dir) return base::ok();
    names += (names.empty() ? "" : ", ") + a;
  }
  return make_error(ErrorCode::BadValue, NotifyType::None,
                    "packet capture path \"{}\" is not in an allowed directory ({})",
                    base::sanitize_for_log(path), names);
}

base::Result<PacketLogFile> PacketLogFile::open(const std::string& path, uint16_t nat_t_port) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    return make_error(ErrorCode::Io, NotifyType::None, "packet capture {}: open: {}", path,
                      std::strerror(errno));
  }
  if (::fchmod(fd, 0600) != 0) {
    int err = errno;
    ::close(fd);
    return make_error(ErrorCode::Io, NotifyType::None, "packet capture {}: fchmod: {}", path,
                      std::strerror(err));
  }
  return adopt(fd, path, nat_t_port);
}

base::Result<PacketLogFile> PacketLogFile::adopt(int fd, const std::string& path,
                                                 uint16_t nat_t_port) {
  PacketLogFile f;
  f.m_fd = fd;
  f.m_path = path;
  f.m_nat_t_port = nat_t_port;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    return make_error(ErrorCode::Io, NotifyType::None,
                      "packet capture {}: not a regular file", path);
  }
  IKE_TRY_VOID(write_all(fd, base::view(pcap_file_header()), path));
  return f;
}

base::Status PacketLogFile::write(const base::SockAddr& src, const base::SockAddr& dst,
                                  base::ByteView message, int64_t unix_usec) {
  if (m_fd < 0) return base::ok();
  auto rec = pcap_record(src, dst, message, unix_usec, m_nat_t_port);
  IKE_TRY_VOID(write_all(m_fd, base::view(rec), m_path));
  ++m_records;
  return base::ok();
}

}  // namespace ike::daemon
