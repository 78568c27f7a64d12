// The privilege-separation protocol between the unprivileged engine child and the privileged
// monitor (isakmpd(8): "The privileged process communicates with the child, reads configuration
// files and PKI information and binds to privileged ports on its behalf"). One message per
// SOCK_SEQPACKET datagram:
//
//    0               2               4                               8
//   +---------------+---------------+-------------------------------+----------------
//   | type (u16)    | reserved = 0  | body length (u32)             | body ...
//   +---------------+---------------+-------------------------------+----------------
//
// The body length must equal the datagram size minus 8 and the whole message is at most
// kMaxMessage bytes. Every field is length-checked against the body and capped (paths,
// strings, keys, counts); trailing bytes, unknown types, reserved bits, out-of-range enum
// values are all errors, and both sides treat any decoding error as fatal (the monitor kills
// the child). File descriptors (opened files, bound sockets, the FIFO) travel as SCM_RIGHTS
// ancillary data with an Fd reply; an fd on any other message is a protocol error. Owns the
// message types, their encoding/decoding and the framed send/receive on a socket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "base/address.h"
#include "base/bytes.h"
#include "base/ipsec_types.h"
#include "base/result.h"

namespace ike::daemon::privsep {

inline constexpr std::size_t kHeaderSize = 8;
inline constexpr std::size_t kMaxMessage = std::size_t{1} << 20;  // 1 MiB, whole message
inline constexpr std::size_t kMaxPath = 4096;                      // PATH_MAX
inline constexpr std::size_t kMaxDetail = 4096;                    // error detail text
inline constexpr std::size_t kMaxName = 255;                       // NAME_MAX (dir entries)
inline constexpr std::size_t kMaxNames = 1024;                     // entries per directory
inline constexpr std::size_t kMaxKey = 512;                        // key bytes per SA key
inline constexpr std::size_t kMaxSaName = 1024;                    // connection name
inline constexpr std::size_t kMaxStateEntries = 4096;              // SAs / flows in a state
inline constexpr std::size_t kMaxScriptVars = 32;                  // RunModeCfgScript variables
inline constexpr std::size_t kMaxScriptVarName = 64;               // "ISAKMPD_MODECFG_..."
inline constexpr std::size_t kMaxScriptVarValue = 2048;            // one variable's value
inline constexpr std::size_t kMaxXauthField = 255;                 // XAUTH user / password
inline constexpr std::size_t kMaxBatchOps = 64;                    // requests per KernelBatch

enum class MsgType : uint16_t {
  // Requests, child -> monitor.
  ReadFile = 1,     // FileKind, path -> Fd (opened read-only, checked) | Error
  ListDir = 2,      // path -> Names (regular files, sorted) | Error
  WriteFile = 3,    // path, content -> Ok (written atomically, 0600) | Error
  OpenAppend = 4,   // path -> Fd (O_APPEND, 0600; key log, packet capture) | Error
  BindUdp = 5,      // SockAddr, udp_encap -> Fd (bound UDP socket) | Error
  OpenFifo = 6,     // path -> Fd (the FIFO, created 0600) | Error
  Started = 7,      // the engine is running: the monitor writes the pid file -> Ok | Error
  // path (a [KeyNote]:Credential-directory) -> Names (its identity sub-directories: one level,
  // no symlinks, names checked by valid_identity_dir_name, sorted) | Error
  ListIdentityDirs = 8,
  KernelGetSpi = 16,
  KernelAddSa = 17,
  KernelDeleteSa = 18,
  KernelAddFlow = 19,
  KernelDeleteFlow = 20,
  KernelFlush = 21,
  KernelReadState = 22,
  // 1..kMaxBatchOps kernel SA/flow requests (types 16-20, each a whole framed message with a u32
  // length before it) run in order -> Batch (one Ok/Error/Spi reply per request, same order).
  // One engine event's requests travel together: one round trip instead of one per request.
  KernelBatch = 23,
  // The client's Mode-config-script (mode_cfg_script_env.h): script (must equal the monitor's
  // start-up [General]:Mode-config-script), peer, section, variables -> ScriptStatus | Error.
  RunModeCfgScript = 32,
  XauthVerify = 33,  // user, password -> Ok (accepted) | Error (Auth: refused; Config)
  // Replies, monitor -> child.
  Ok = 64,
  Error = 65,   // ErrorCode, errno, detail
  Fd = 66,      // exactly one SCM_RIGHTS descriptor
  Names = 67,
  Spi = 68,
  State = 69,
  Batch = 70,  // the replies to a KernelBatch: u32 count, then u32 length + framed reply each
  ScriptStatus = 80,  // exit status (0..255) of RunModeCfgScript's command
  // Unsolicited, monitor -> child on the event socket.
  KernelEvent = 96,
};

enum class FileKind : uint8_t {
  Config = 1,  // isakmpd.conf: a secret (owner root/daemon user, mode & 077 == 0)
  Secret = 2,  // private keys: same check
  Public = 3,  // certificates, CRLs, public keys: a regular file
};

struct ReadFileReq { FileKind kind = FileKind::Public; std::string path; };
struct ListDirReq { std::string path; };
struct WriteFileReq { std::string path; std::string content; };
struct OpenAppendReq { std::string path; };
struct BindUdpReq { base::SockAddr addr; bool udp_encap = false; };
struct OpenFifoReq { std::string path; };
struct StartedReq {};
struct GetSpiReq { base::IpsecProtocol protocol = base::IpsecProtocol::Esp; base::IpAddress src, dst; };
struct AddSaReq { base::SaInstall sa; };
struct DeleteSaReq { base::SaRef ref; base::IpAddress src; };
struct AddFlowReq { base::FlowInstall flow; };
struct DeleteFlowReq { base::FlowInstall flow; };
struct FlushReq {};
struct ReadStateReq {};
// The monitor runs its own configured script, never one named here: `script` is only compared.
struct RunModeCfgScriptReq {
  std::string script;
  base::IpAddress peer;
  std::string section;
  std::vector<std::pair<std::string, std::string>> vars;  // ("ISAKMPD_MODECFG_IP4_DNS", "...")
};
// XAUTH credentials to check with the monitor's own [General] backend (xauth_backend.h).
struct XauthVerifyReq { std::string user; base::SecureBytes password; };
struct ListIdentityDirsReq { std::string path; };
// The kernel SA/flow requests a KernelBatch may carry (never a file, socket or nested batch).
using KernelOpReq = std::variant<GetSpiReq, AddSaReq, DeleteSaReq, AddFlowReq, DeleteFlowReq>;
struct KernelBatchReq { std::vector<KernelOpReq> ops; };

using Request = std::variant<ReadFileReq, ListDirReq, WriteFileReq, OpenAppendReq, BindUdpReq,
                             OpenFifoReq, StartedReq, GetSpiReq, AddSaReq, DeleteSaReq,
                             AddFlowReq, DeleteFlowReq, FlushReq, ReadStateReq,
                             RunModeCfgScriptReq,
                             XauthVerifyReq, ListIdentityDirsReq, KernelBatchReq>;

struct OkReply {};
struct ErrorReply { base::ErrorCode code = base::ErrorCode::Io; int32_t sys_errno = 0; std::string detail; };
struct FdReply {};
struct NamesReply { std::vector<std::string> names; };
struct SpiReply { base::Spi spi; };
struct StateReply { base::KernelState state; };
struct ScriptStatusReply { uint8_t exit_status = 0; };

// The replies a Batch may carry, one per KernelBatch request.
using KernelOpReply = std::variant<OkReply, ErrorReply, SpiReply>;
struct BatchReply { std::vector<KernelOpReply> replies; };

using Reply = std::variant<OkReply, ErrorReply, FdReply, NamesReply, SpiReply, StateReply,
                           ScriptStatusReply, BatchReply>;

struct EventMsg { base::KernelEvent event; };

// Encoding never fails for values within the caps; a value over a cap (a path longer than
// kMaxPath, ...) is an error naming the field, so nothing oversized ever leaves a process.
[[nodiscard]] base::Result<base::Bytes> encode_request(const Request& req);
[[nodiscard]] base::Result<base::Bytes> encode_reply(const Reply& rep);
[[nodiscard]] base::Result<base::Bytes> encode_event(const EventMsg& ev);

// Decoding a whole datagram. Errors name the message type, the field and the offset.
[[nodiscard]] base::Result<Request> decode_request(base::ByteView msg);
[[nodiscard]] base::Result<Reply> decode_reply(base::ByteView msg);
[[nodiscard]] base::Result<EventMsg> decode_event(base::ByteView msg);

const char* msg_type_name(uint16_t type) noexcept;  // "ReadFile", ..., "unknown"

// Framed I/O on a SOCK_SEQPACKET socket. send_message() passes `fd` (>= 0) as SCM_RIGHTS and
// wipes `msg` afterwards (it may hold keys). receive_message() blocks for one datagram; a
// datagram larger than kMaxMessage, truncated ancillary data or more than one descriptor is an
// error; `*fd_out` receives the passed descriptor or -1. End of stream: NotFound "closed".
[[nodiscard]] base::Status send_message(int sock, base::Bytes& msg, int fd = -1);
[[nodiscard]] base::Status receive_message(int sock, base::Bytes& msg, int* fd_out);

}  // namespace ike::daemon::privsep
