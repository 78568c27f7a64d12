// Encoding and decoding of the privilege-separation messages (monitor_protocol.h), and the
// framed SOCK_SEQPACKET send/receive with SCM_RIGHTS.
#include "daemon/monitor_protocol.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "daemon/monitor_codec.h"

namespace ike::daemon::privsep {

using base::ByteReader;
using base::ByteWriter;
using base::ErrorCode;
using base::NotifyType;
using base::make_error;
using codec::Dec;
using codec::Enc;
using codec::wipe;

namespace {

base::Result<base::Bytes> frame(MsgType type, Enc& e) {
  if (!e.error.empty()) {
    return make_error(ErrorCode::TooMany, NotifyType::None, "privsep {}: {}",
                      msg_type_name(static_cast<uint16_t>(type)), e.error);
  }
  base::Bytes body = std::move(e.w).take();
  if (body.size() + kHeaderSize > kMaxMessage) {
    std::size_t size = body.size();
    wipe(body);
    return make_error(ErrorCode::TooMany, NotifyType::None,
                      "privsep {}: message of {} bytes > cap {}",
                      msg_type_name(static_cast<uint16_t>(type)), size + kHeaderSize, kMaxMessage);
  }
  ByteWriter out;
  out.u16(static_cast<uint16_t>(type));
  out.u16(0);
  out.u32(static_cast<uint32_t>(body.size()));
  out.bytes(base::view(body));
  wipe(body);
  return std::move(out).take();
}

// Splits the header off; the body length must match the datagram exactly.
base::Result<std::pair<uint16_t, base::ByteView>> unframe(base::ByteView msg) {
  if (msg.size() > kMaxMessage) {
    return make_error(ErrorCode::TooMany, NotifyType::None, "privsep: message of {} bytes > cap {}",
                      msg.size(), kMaxMessage);
  }
  ByteReader r(msg, 0, NotifyType::None);
  IKE_TRY(uint16_t type, r.u16("message type"));
  IKE_TRY(uint16_t reserved, r.u16("reserved"));
  IKE_TRY(uint32_t len, r.u32("body length"));
  if (reserved != 0) {
    return make_error(ErrorCode::Reserved, NotifyType::None, "privsep {}: reserved field 0x{:04x}",
                      msg_type_name(type), reserved);
  }
  if (len != r.remaining()) {
    return make_error(ErrorCode::BadLength, NotifyType::None,
                      "privsep {}: body length {} but {} bytes follow the header",
                      msg_type_name(type), len, r.remaining());
  }
  return std::pair{type, r.rest()};
}

template <class T>
base::Result<T> finish(Dec& d, T value, uint16_t type) {
  if (auto st = d.r.expect_done(msg_type_name(type)); !st) {
    return std::move(st).error().with_context("privsep");
  }
  return value;
}

base::Error fail(base::Error e, uint16_t type) {
  return std::move(e).with_context(fmt::format("privsep {}", msg_type_name(type)));
}

// A batch entry: a whole framed message after its u32 length. Entries are encoded by the
// single-message encoders, so a batched request is byte-identical to the one it replaces.
template <class Variant, class Encode>
void encode_entries(Enc& e, const std::vector<Variant>& items, const char* what, Encode encode) {
  if ((items.empty() || items.size() > kMaxBatchOps) && e.error.empty()) {
    e.error = fmt::format("{}: {} entries, not 1..{}", what, items.size(), kMaxBatchOps);
  }
  e.w.u32(static_cast<uint32_t>(items.size()));
  for (const auto& item : items) {
    auto sub = encode(item);
    if (!sub) {
      if (e.error.empty()) e.error = sub.error().detail;
      continue;
    }
    e.w.u32(static_cast<uint32_t>(sub->size()));
    e.w.bytes(base::view(*sub));
    wipe(*sub);
  }
}

// Reads the entries of a batch: a count in 1..kMaxBatchOps, then per entry a u32 length (within
// the body) and a message that `decode` accepts; errors name the entry.
template <class T, class Decode>
base::Result<std::vector<T>> decode_entries(Dec& d, const char* what, Decode decode) {
  IKE_TRY(uint32_t n, d.count(kMaxBatchOps, "entry count"));
  if (n == 0) {
    return make_error(ErrorCode::BadValue, NotifyType::None, "{}: no entries", what);
  }
  std::vector<T> out;
  out.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    IKE_TRY(uint32_t len, d.r.u32("entry length"));
    IKE_TRY(base::ByteView sub, d.r.bytes(len, "entry"));
    auto item = decode(sub);
    if (!item) {
      return std::move(item).error().with_context(fmt::format("{} entry {} of {}", what, i + 1, n));
    }
    out.push_back(std::move(*item));
  }
  return out;
}

// Narrows a decoded value to the alternatives of `Narrow` (a batch's allowed message types).
template <class Narrow, class Wide>
base::Result<Narrow> narrow(Wide&& wide, const char* allowed) {
  return std::visit(
      [&](auto&& m) -> base::Result<Narrow> {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_constructible_v<Narrow, T> &&
                      !std::is_same_v<T, KernelBatchReq> && !std::is_same_v<T, BatchReply>) {
          return Narrow(std::forward<decltype(m)>(m));
        } else {
          return make_error(ErrorCode::BadValue, NotifyType::None, "not {}", allowed);
        }
      },
      std::forward<Wide>(wide));
}

}  // namespace

const char* msg_type_name(uint16_t type) noexcept {
  switch (static_cast<MsgType>(type)) {
    case MsgType::ReadFile: return "ReadFile";
    case MsgType::ListDir: return "ListDir";
    case MsgType::WriteFile: return "WriteFile";
    case MsgType::OpenAppend: return "OpenAppend";
    case MsgType::BindUdp: return "BindUdp";
    case MsgType::OpenFifo: return "OpenFifo";
    case MsgType::Started: return "Started";
    case MsgType::ListIdentityDirs: return "ListIdentityDirs";
    case MsgType::KernelGetSpi: return "KernelGetSpi";
    case MsgType::KernelAddSa: return "KernelAddSa";
    case MsgType::KernelDeleteSa: return "KernelDeleteSa";
    case MsgType::KernelAddFlow: return "KernelAddFlow";
    case MsgType::KernelDeleteFlow: return "KernelDeleteFlow";
    case MsgType::KernelFlush: return "KernelFlush";
    case MsgType::KernelReadState: return "KernelReadState";
    case MsgType::KernelBatch: return "KernelBatch";
    case MsgType::RunModeCfgScript: return "RunModeCfgScript";
    case MsgType::XauthVerify: return "XauthVerify";
    case MsgType::Ok: return "Ok";
    case MsgType::Error: return "Error";
    case MsgType::Fd: return "Fd";
    case MsgType::Names: return "Names";
    case MsgType::Spi: return "Spi";
    case MsgType::State: return "State";
    case MsgType::Batch: return "Batch";
    case MsgType::ScriptStatus: return "ScriptStatus";
    case MsgType::KernelEvent: return "KernelEvent";
  }
  return "unknown";
}

// ------------------------------------------------------------------------------- messages

base::Result<base::Bytes> encode_request(const Request& req) {
  Enc e;
  MsgType type = std::visit(
      [&](const auto& m) -> MsgType {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, ReadFileReq>) {
          e.w.u8(static_cast<uint8_t>(m.kind));
          e.str(m.path, kMaxPath, "path");
          return MsgType::ReadFile;
        } else if constexpr (std::is_same_v<T, ListDirReq>) {
          e.str(m.path, kMaxPath, "path");
          return MsgType::ListDir;
        } else if constexpr (std::is_same_v<T, ListIdentityDirsReq>) {
          e.str(m.path, kMaxPath, "path");
          return MsgType::ListIdentityDirs;
        } else if constexpr (std::is_same_v<T, WriteFileReq>) {
          e.str(m.path, kMaxPath, "path");
          e.str(m.content, kMaxMessage - kHeaderSize - kMaxPath - 8, "content");
          return MsgType::WriteFile;
        } else if constexpr (std::is_same_v<T, OpenAppendReq>) {
          e.str(m.path, kMaxPath, "path");
          return MsgType::OpenAppend;
        } else if constexpr (std::is_same_v<T, BindUdpReq>) {
          e.sockaddr(m.addr);
          e.w.u8(m.udp_encap ? 1 : 0);
          return MsgType::BindUdp;
        } else if constexpr (std::is_same_v<T, OpenFifoReq>) {
          e.str(m.path, kMaxPath, "path");
          return MsgType::OpenFifo;
        } else if constexpr (std::is_same_v<T, StartedReq>) {
          return MsgType::Started;
        } else if constexpr (std::is_same_v<T, GetSpiReq>) {
          e.w.u8(static_cast<uint8_t>(m.protocol));
          e.addr(m.src);
          e.addr(m.dst);
          return MsgType::KernelGetSpi;
        } else if constexpr (std::is_same_v<T, AddSaReq>) {
          e.sa(m.sa);
          return MsgType::KernelAddSa;
        } else if constexpr (std::is_same_v<T, DeleteSaReq>) {
          e.ref(m.ref);
          e.addr(m.src);
          return MsgType::KernelDeleteSa;
        } else if constexpr (std::is_same_v<T, AddFlowReq>) {
          e.flow(m.flow);
          return MsgType::KernelAddFlow;
        } else if constexpr (std::is_same_v<T, DeleteFlowReq>) {
          e.flow(m.flow);
          return MsgType::KernelDeleteFlow;
        } else if constexpr (std::is_same_v<T, FlushReq>) {
          return MsgType::KernelFlush;
        } else if constexpr (std::is_same_v<T, RunModeCfgScriptReq>) {
          e.str(m.script, kMaxPath, "script");
          e.addr(m.peer);
          e.str(m.section, kMaxName, "section");
          if (m.vars.size() > kMaxScriptVars && e.error.empty()) {
            e.error = fmt::format("script variables: {} > cap {}", m.vars.size(), kMaxScriptVars);
          }
          e.w.u32(static_cast<uint32_t>(m.vars.size()));
          for (const auto& [k, v] : m.vars) {
            e.str(k, kMaxScriptVarName, "variable name");
            e.str(v, kMaxScriptVarValue, "variable value");
          }
          return MsgType::RunModeCfgScript;
        } else if constexpr (std::is_same_v<T, XauthVerifyReq>) {
          e.str(m.user, kMaxXauthField, "user");
          if (m.password.size() > kMaxXauthField) {
            if (e.error.empty()) e.error = "password: longer than the cap";
          } else {
            e.key(m.password, "password");
          }
          return MsgType::XauthVerify;
        } else if constexpr (std::is_same_v<T, KernelBatchReq>) {
          encode_entries(e, m.ops, "KernelBatch", [](const KernelOpReq& op) {
            return encode_request(std::visit([](const auto& o) { return Request(o); }, op));
          });
          return MsgType::KernelBatch;
        } else {
          static_assert(std::is_same_v<T, ReadStateReq>);
          return MsgType::KernelReadState;
        }
      },
      req);
  return frame(type, e);
}

base::Result<Request> decode_request(base::ByteView msg) {
  IKE_TRY(auto parts, unframe(msg));
  uint16_t type = parts.first;
  base::ByteView body = parts.second;
  Dec d{ByteReader(body, kHeaderSize, NotifyType::None)};
  auto run = [&]() -> base::Result<Request> {
    switch (static_cast<MsgType>(type)) {
      case MsgType::ReadFile: {
        ReadFileReq m;
        IKE_TRY(m.kind, d.enum8<FileKind>("file kind", 1, 3));
        IKE_TRY(m.path, d.str(kMaxPath, "path"));
        return finish<Request>(d, std::move(m), type);
      }
      case MsgType::ListDir: {
        ListDirReq m;
        IKE_TRY(m.path, d.str(kMaxPath, "path"));
        return finish<Request>(d, std::move(m), type);
      }
      case MsgType::ListIdentityDirs: {
        ListIdentityDirsReq m;
        IKE_TRY(m.path, d.str(kMaxPath, "path"));
        return finish<Request>(d, std::move(m), type);
      }
      case MsgType::WriteFile: {
        WriteFileReq m;
        IKE_TRY(m.path, d.str(kMaxPath, "path"));
        IKE_TRY(m.content, d.str(kMaxMessage, "content"));
        return finish<Request>(d, std::move(m), type);
      }
      case MsgType::OpenAppend: {
        OpenAppendReq m;
        IKE_TRY(m.path, d.str(kMaxPath, "path"));
        return finish<Request>(d, std::move(m), type);
      }
      case MsgType::BindUdp: {
        BindUdpReq m;
        IKE_TRY(m.addr, d.sockaddr("bind address"));
        IKE_TRY(m.udp_encap, d.flag("udp_encap"));
        return finish<Request>(d, std::move(m), type);
      }
      case MsgType::OpenFifo: {
        OpenFifoReq m;
        IKE_TRY(m.path, d.str(kMaxPath, "path"));
        return finish<Request>(d, std::move(m), type);
      }
      case MsgType::Started: return finish<Request>(d, StartedReq{}, type);
      case MsgType::KernelGetSpi: {
        GetSpiReq m;
        IKE_TRY(m.protocol, d.proto("protocol"));
        IKE_TRY(m.src, d.addr("src"));
        IKE_TRY(m.dst, d.addr("dst"));
        return finish<Request>(d, std::move(m), type);
      }
      case MsgType::KernelAddSa: {
        AddSaReq m;
        IKE_TRY(m.sa, d.sa());
        return finish<Request>(d, std::move(m), type);
      }
      case MsgType::KernelDeleteSa: {
        DeleteSaReq m;
        IKE_TRY(m.ref, d.ref());
        IKE_TRY(m.src, d.addr("src"));
        return finish<Request>(d, std::move(m), type);
      }
      case MsgType::KernelAddFlow: {
        AddFlowReq m;
        IKE_TRY(m.flow, d.flow());
        return finish<Request>(d, std::move(m), type);
      }
      case MsgType::KernelDeleteFlow: {
        DeleteFlowReq m;
        IKE_TRY(m.flow, d.flow());
        return finish<Request>(d, std::move(m), type);
      }
      case MsgType::KernelFlush: return finish<Request>(d, FlushReq{}, type);
      case MsgType::KernelReadState: return finish<Request>(d, ReadStateReq{}, type);
      case MsgType::KernelBatch: {
        KernelBatchReq m;
        IKE_TRY(m.ops, decode_entries<KernelOpReq>(d, "KernelBatch", [](base::ByteView sub)
                                                                    -> base::Result<KernelOpReq> {
                  IKE_TRY(Request r, decode_request(sub));
                  return narrow<KernelOpReq>(std::move(r), "a kernel SA/flow request");
                }));
        return finish<Request>(d, std::move(m), type);
      }
      case MsgType::RunModeCfgScript: {
        RunModeCfgScriptReq m;
        IKE_TRY(m.script, d.str(kMaxPath, "script"));
        IKE_TRY(m.peer, d.addr("peer"));
        IKE_TRY(m.section, d.str(kMaxName, "section"));
        IKE_TRY(uint32_t n, d.count(kMaxScriptVars, "variable count"));
        for (uint32_t i = 0; i < n; ++i) {
          IKE_TRY(auto k, d.str(kMaxScriptVarName, "variable name"));
          IKE_TRY(auto v, d.str(kMaxScriptVarValue, "variable value"));
          m.vars.emplace_back(std::move(k), std::move(v));
        }
        return finish<Request>(d, std::move(m), type);
      }
      case MsgType::XauthVerify: {
        XauthVerifyReq m;
        IKE_TRY(m.user, d.str(kMaxXauthField, "user"));
        IKE_TRY(m.password, d.key("password"));
        if (m.password.size() > kMaxXauthField) {
          return make_error(ErrorCode::TooMany, NotifyType::None,
                            "password: length {} > cap {}", m.password.size(), kMaxXauthField);
        }
        return finish<Request>(d, std::move(m), type);
      }
      default: break;
    }
    return make_error(ErrorCode::Unsupported, NotifyType::None, "unknown request type {}", type);
  };
  auto out = run();
  if (!out) return fail(std::move(out).error(), type);
  return out;
}

base::Result<base::Bytes> encode_reply(const Reply& rep) {
  Enc e;
  MsgType type = std::visit(
      [&](const auto& m) -> MsgType {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, OkReply>) {
          return MsgType::Ok;
        } else if constexpr (std::is_same_v<T, ErrorReply>) {
          e.w.u8(static_cast<uint8_t>(m.code));
          e.w.u32(static_cast<uint32_t>(m.sys_errno));
          e.str(m.detail.substr(0, kMaxDetail), kMaxDetail, "detail");
          return MsgType::Error;
        } else if constexpr (std::is_same_v<T, FdReply>) {
          return MsgType::Fd;
        } else if constexpr (std::is_same_v<T, NamesReply>) {
          if (m.names.size() > kMaxNames && e.error.empty()) e.error = "too many names";
          e.w.u32(static_cast<uint32_t>(m.names.size()));
          for (const auto& n : m.names) e.str(n, kMaxName, "name");
          return MsgType::Names;
        } else if constexpr (std::is_same_v<T, SpiReply>) {
          e.w.u32(m.spi.value);
          return MsgType::Spi;
        } else if constexpr (std::is_same_v<T, ScriptStatusReply>) {
          e.w.u8(m.exit_status);
          return MsgType::ScriptStatus;
        } else if constexpr (std::is_same_v<T, BatchReply>) {
          encode_entries(e, m.replies, "Batch", [](const KernelOpReply& r) {
            return encode_reply(std::visit([](const auto& o) { return Reply(o); }, r));
          });
          return MsgType::Batch;
        } else {
          static_assert(std::is_same_v<T, StateReply>);
          if ((m.state.sas.size() > kMaxStateEntries || m.state.flows.size() > kMaxStateEntries) &&
              e.error.empty()) {
            e.error = "kernel state has too many entries";
          }
          e.w.u32(static_cast<uint32_t>(m.state.sas.size()));
          for (const auto& s : m.state.sas) {
            e.sa(s.sa);
            e.u64(s.cur_bytes);
            e.u64(s.cur_packets);
            e.u64(s.add_time);
          }
          e.w.u32(static_cast<uint32_t>(m.state.flows.size()));
          for (const auto& f : m.state.flows) e.flow(f);
          return MsgType::State;
        }
      },
      rep);
  return frame(type, e);
}

base::Result<Reply> decode_reply(base::ByteView msg) {
  IKE_TRY(auto parts, unframe(msg));
  uint16_t type = parts.first;
  base::ByteView body = parts.second;
  Dec d{ByteReader(body, kHeaderSize, NotifyType::None)};
  auto run = [&]() -> base::Result<Reply> {
    switch (static_cast<MsgType>(type)) {
      case MsgType::Ok: return finish<Reply>(d, OkReply{}, type);
      case MsgType::Error: {
        ErrorReply m;
        IKE_TRY(m.code, d.enum8<ErrorCode>("error code", 0,
                                           static_cast<uint8_t>(ErrorCode::Internal)));
        IKE_TRY(uint32_t err, d.r.u32("errno"));
        m.sys_errno = static_cast<int32_t>(err);
        IKE_TRY(m.detail, d.str(kMaxDetail, "detail"));
        return finish<Reply>(d, std::move(m), type);
      }
      case MsgType::Fd: return finish<Reply>(d, FdReply{}, type);
      case MsgType::Names: {
        NamesReply m;
        IKE_TRY(uint32_t n, d.count(kMaxNames, "name count"));
        for (uint32_t i = 0; i < n; ++i) {
          IKE_TRY(auto name, d.str(kMaxName, "name"));
          m.names.push_back(std::move(name));
        }
        return finish<Reply>(d, std::move(m), type);
      }
      case MsgType::Spi: {
        SpiReply m;
        IKE_TRY(m.spi.value, d.r.u32("spi"));
        return finish<Reply>(d, m, type);
      }
      case MsgType::Batch: {
        BatchReply m;
        IKE_TRY(m.replies, decode_entries<KernelOpReply>(d, "Batch", [](base::ByteView sub)
                                                                 -> base::Result<KernelOpReply> {
                  IKE_TRY(Reply r, decode_reply(sub));
                  return narrow<KernelOpReply>(std::move(r), "an Ok, Error or Spi reply");
                }));
        return finish<Reply>(d, std::move(m), type);
      }
      case MsgType::ScriptStatus: {
        ScriptStatusReply m;
        IKE_TRY(m.exit_status, d.r.u8("exit status"));
        return finish<Reply>(d, m, type);
      }
      case MsgType::State: {
        StateReply m;
        IKE_TRY(uint32_t n, d.count(kMaxStateEntries, "sa count"));
        for (uint32_t i = 0; i < n; ++i) {
          base::KernelSaInfo info;
          IKE_TRY(info.sa, d.sa());
          IKE_TRY(info.cur_bytes, d.u64("cur bytes"));
          IKE_TRY(info.cur_packets, d.u64("cur packets"));
          IKE_TRY(info.add_time, d.u64("add time"));
          m.state.sas.push_back(std::move(info));
        }
        IKE_TRY(uint32_t f, d.count(kMaxStateEntries, "flow count"));
        for (uint32_t i = 0; i < f; ++i) {
          IKE_TRY(auto flow, d.flow());
          m.state.flows.push_back(std::move(flow));
        }
        return finish<Reply>(d, std::move(m), type);
      }
      default: break;
    }
    return make_error(ErrorCode::Unsupported, NotifyType::None, "unknown reply type {}", type);
  };
  auto out = run();
  if (!out) return fail(std::move(out).error(), type);
  return out;
}

base::Result<base::Bytes> encode_event(const EventMsg& ev) {
  Enc e;
  const auto& k = ev.event;
  e.w.u8(static_cast<uint8_t>(k.kind));
  e.ts(k.src_ts);
  e.ts(k.dst_ts);
  e.addr(k.local);
  e.addr(k.peer);
  e.w.u8(static_cast<uint8_t>(k.protocol));
  e.ref(k.ref);
  e.addr(k.src);
  return frame(MsgType::KernelEvent, e);
}

base::Result<EventMsg> decode_event(base::ByteView msg) {
  IKE_TRY(auto parts, unframe(msg));
  uint16_t type = parts.first;
  base::ByteView body = parts.second;
  if (static_cast<MsgType>(type) != MsgType::KernelEvent) {
    return make_error(ErrorCode::Unsupported, NotifyType::None,
                      "privsep: unknown event type {} ({})", type, msg_type_name(type));
  }
  Dec d{ByteReader(body, kHeaderSize, NotifyType::None)};
  auto run = [&]() -> base::Result<EventMsg> {
    EventMsg m;
    auto& k = m.event;
    IKE_TRY(k.kind, d.enum8<base::KernelEvent::Kind>("event kind", 0, 2));
    IKE_TRY(k.src_ts, d.ts("src selector"));
    IKE_TRY(k.dst_ts, d.ts("dst selector"));
    IKE_TRY(k.local, d.addr("local"));
    IKE_TRY(k.peer, d.addr("peer"));
    IKE_TRY(k.protocol, d.proto("protocol"));
    IKE_TRY(k.ref, d.ref());
    IKE_TRY(k.src, d.addr("src"));
    return finish<EventMsg>(d, std::move(m), type);
  };
  auto out = run();
  if (!out) return fail(std::move(out).error(), type);
  return out;
}

// ------------------------------------------------------------------------------- socket I/O

base::Status send_message(int sock, base::Bytes& msg, int fd) {
  iovec iov{msg.data(), msg.size()};
  msghdr mh{};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))] = {};
  if (fd >= 0) {
    mh.msg_control = cbuf;
    mh.msg_controllen = sizeof cbuf;
    cmsghdr* c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
  }
  ssize_t n;
  do {
    n = ::sendmsg(sock, &mh, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  int err = errno;
  wipe(msg);
  if (n < 0) {
    return make_error(ErrorCode::Io, NotifyType::None, "privsep: sendmsg: {}", std::strerror(err));
  }
  if (static_cast<std::size_t>(n) != msg.size()) {
    return make_error(ErrorCode::Io, NotifyType::None, "privsep: sendmsg sent {} of {} bytes", n,
                      msg.size());
  }
  return base::ok();
}

base::Status receive_message(int sock, base::Bytes& msg, int* fd_out) {
  *fd_out = -1;
  // One scratch buffer per thread, allocated once and never zeroed as a whole: the message is
  // copied out at its real size and only the bytes received are wiped (they may be a secret
  // file's contents). Zeroing 1 MiB per monitor reply was 14 % of a handshake (issue #7).
  thread_local const std::unique_ptr<uint8_t[]> scratch =
      std::make_unique_for_overwrite<uint8_t[]>(kMaxMessage + 1);
  iovec iov{scratch.get(), kMaxMessage + 1};
  msghdr mh{};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int) * 4)] = {};
  mh.msg_control = cbuf;
  mh.msg_controllen = sizeof cbuf;
  ssize_t n;
  do {
    n = ::recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_TRUNC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    return make_error(ErrorCode::Io, NotifyType::None, "privsep: recvmsg: {}", std::strerror(errno));
  }
  const std::size_t got = std::min(static_cast<std::size_t>(n), kMaxMessage + 1);
  msg.assign(scratch.get(), scratch.get() + got);
  base::secure_wipe(scratch.get(), got);
  // Collect every passed descriptor first, so none leaks whatever goes wrong.
  std::vector<int> fds;
  for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c != nullptr; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (std::size_t i = 0; i < count; ++i) {
        int f;
        std::memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof f);
        fds.push_back(f);
      }
    }
  }
  auto close_all = [&] {
    for (int f : fds) ::close(f);
  };
  if (n == 0) {
    close_all();
    msg.clear();
    return make_error(ErrorCode::NotFound, NotifyType::None, "privsep: peer closed the socket");
  }
  if (static_cast<std::size_t>(n) > kMaxMessage || (mh.msg_flags & MSG_TRUNC) != 0) {
    close_all();
    return make_error(ErrorCode::TooMany, NotifyType::None,
                      "privsep: message of {} bytes > cap {}", n, kMaxMessage);
  }
  if ((mh.msg_flags & MSG_CTRUNC) != 0 || fds.size() > 1) {
    close_all();
    return make_error(ErrorCode::TooMany, NotifyType::None,
                      "privsep: more than one descriptor passed with a message");
  }
  msg.resize(static_cast<std::size_t>(n));
  if (!fds.empty()) *fd_out = fds.front();
  return base::ok();
}

}  // namespace ike::daemon::privsep
