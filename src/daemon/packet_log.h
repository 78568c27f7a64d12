// IKE packet capture (isakmpd -L, -l file, FIFO `p on[=file]` / `p off`; isakmpd(8)
// "-L  Enable IKE packet capture"): a classic libpcap file (magic a1b2c3d4, version 2.4) of the
// cleartext ISAKMP messages the engine reports as engine::PacketLog. isakmpd writes OpenBSD's
// DLT_LOOP; on Linux we use LINKTYPE_RAW (101, "raw IPv4/IPv6, version from the first nibble")
// so tcpdump and tshark on Linux open it. Each record is a synthetic IPv4 (RFC 791, header
// checksum) or IPv6 (RFC 8200) header, a UDP header (RFC 768, checksum over the pseudo header;
// mandatory for IPv6) and the message; messages to or from the NAT-T port carry the RFC 3948
// §2.2 non-ESP marker (four zero octets) as on the wire, so dissectors decode them as IKE.
// The file is created mode 0600 (O_NOFOLLOW; an existing file is truncated, as isakmpd does).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/address.h"
#include "base/bytes.h"
#include "base/result.h"

namespace ike::daemon {

inline constexpr uint32_t kPcapMagic = 0xa1b2c3d4;
inline constexpr uint32_t kLinktypeRaw = 101;
inline constexpr uint32_t kPcapSnaplen = 65535;

// The 24-byte pcap global header (host byte order, as libpcap writes it).
base::Bytes pcap_file_header();
// One record: 16-byte record header then the IP/UDP/ISAKMP packet. `nat_t_port` (0: none)
// selects the non-ESP marker. Families of src and dst must match (else the dst family wins
// for the header and src is mapped as unspecified). Messages are capped so the record stays
// within the snap length.
base::Bytes pcap_record(const base::SockAddr& src, const base::SockAddr& dst,
                        base::ByteView message, int64_t unix_usec, uint16_t nat_t_port);
// RFC 1071 Internet checksum over `data` with `initial` (the pseudo-header sum), folded.
uint16_t internet_checksum(base::ByteView data, uint32_t initial = 0);

// FIFO `p on=path` (isakmpd's monitor m_priv_local_sanitize_path: writable files only under
// /var/run): the file's directory, resolved (realpath), must be /run (= /var/run on Linux) or
// one of `extra_dirs` (the directory of the -l file chosen on the command line). Errors name
// the path and the allowed directories. A path ending in '/' or without a file name is refused.
[[nodiscard]] base::Status check_capture_path(const std::string& path,
                                              const std::vector<std::string>& extra_dirs);

class PacketLogFile {
 public:
  PacketLogFile() = default;
  PacketLogFile(PacketLogFile&& o) noexcept;
  PacketLogFile& operator=(PacketLogFile&& o) noexcept;
  PacketLogFile(const PacketLogFile&) = delete;
  PacketLogFile& operator=(const PacketLogFile&) = delete;
  ~PacketLogFile();

  // Creates/truncates `path` (mode 0600, not through a symlink) and writes the global header.
  [[nodiscard]] static base::Result<PacketLogFile> open(const std::string& path,
                                                        uint16_t nat_t_port);
  // Takes an already opened, empty, 0600 file (the privileged monitor opened it: PrivOps
  // write_file("") then open_append) and writes the global header. Owns `fd` even on error.
  [[nodiscard]] static base::Result<PacketLogFile> adopt(int fd, const std::string& path,
                                                         uint16_t nat_t_port);
  bool enabled() const noexcept { return m_fd >= 0; }
  const std::string& path() const noexcept { return m_path; }
  uint64_t records() const noexcept { return m_records; }
  [[nodiscard]] base::Status write(const base::SockAddr& src, const base::SockAddr& dst,
                                   base::ByteView message, int64_t unix_usec);
  void close();

 private:
  int m_fd = -1;
  std::string m_path;
  uint16_t m_nat_t_port = 0;
  uint64_t m_records = 0;
};

}  // namespace ike::daemon
