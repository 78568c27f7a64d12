// IANA/RFC registries of ISAKMP (RFC 2408), the IPsec DOI (RFC 2407), IKE (RFC 2409) and later
// additions (RFC 3947 NAT-T, RFC 3706 DPD, RFC 5903/5114/7027 groups). Each enum has ONE constexpr
// table (value, name, RFC) in registry.cc used by the parser, the dumper, logs, the config
// (symbolic values such as AES_CBC, MODP_2048) and tests. Enum values are the wire values.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "base/notify_type.h"

namespace ike::wire {

using base::NotifyType;

// RFC 2408 §3.1 exchange types (+ RFC 2409 Quick Mode / New Group Mode).
enum class ExchangeType : uint8_t {
  None = 0, Base = 1, IdProt = 2, AuthOnly = 3, Aggressive = 4, Informational = 5,
  Transaction = 6, QuickMode = 32, NewGroupMode = 33,
};

// RFC 2408 §3.1 next-payload types, RFC 3547, RFC 3947, draft NAT-T, mode-cfg.
enum class PayloadType : uint8_t {
  None = 0, Sa = 1, Proposal = 2, Transform = 3, KeyExchange = 4, Id = 5, Cert = 6,
  CertReq = 7, Hash = 8, Sig = 9, Nonce = 10, Notify = 11, Delete = 12, Vendor = 13,
  Attribute = 14, Sak = 15, Sat = 16, Kd = 17, SeqNo = 18, Pop = 19, NatD = 20, NatOa = 21,
  NatDDraft = 130, NatOaDraft = 131, Fragment = 132,
};

// RFC 2408 §3.1 header flags.
inline constexpr uint8_t kFlagEncryption = 0x01;
inline constexpr uint8_t kFlagCommit = 0x02;
inline constexpr uint8_t kFlagAuthOnly = 0x04;

inline constexpr uint32_t kDoiIsakmp = 0;
inline constexpr uint32_t kDoiIpsec = 1;               // RFC 2407 §4.2
inline constexpr uint32_t kSituationIdentityOnly = 1;  // RFC 2407 §4.2.1

// RFC 2407 §4.4.1 protocol ids (PROTO_ISAKMP = 1 in phase 1).
enum class ProtocolId : uint8_t { Isakmp = 1, IpsecAh = 2, IpsecEsp = 3, Ipcomp = 4 };

// RFC 2407 §4.4.2 ISAKMP transform ids.
enum class IsakmpTransformId : uint8_t { KeyIke = 1 };

// RFC 2407 §4.4.3 AH transform ids.
enum class AhTransformId : uint8_t {
  Md5 = 2, Sha = 3, Des = 4, Sha2_256 = 5, Sha2_384 = 6, Sha2_512 = 7, Ripemd = 8,
};

// RFC 2407 §4.4.4 ESP transform ids (+ RFC 3686, 4106, 4543).
enum class EspTransformId : uint16_t {
  DesIv64 = 1, Des = 2, TripleDes = 3, Rc5 = 4, Idea = 5, Cast = 6, Blowfish = 7,
  TripleIdea = 8, DesIv32 = 9, Rc4 = 10, Null = 11, Aes = 12, AesCtr = 13, AesCcm8 = 14,
  AesCcm12 = 15, AesCcm16 = 16, AesGcm8 = 18, AesGcm12 = 19, AesGcm16 = 20, Seed = 21,
  Camellia = 22, NullAuthAesGmac = 23,
};

// RFC 2407 §4.4.5 IPCOMP transform ids.
enum class IpcompTransformId : uint8_t { Oui = 1, Deflate = 2, Lzs = 3, V42bis = 4 };

// RFC 2409 Appendix A phase-1 attribute classes.
enum class IkeAttr : uint16_t {
  EncryptionAlgorithm = 1, HashAlgorithm = 2, AuthenticationMethod = 3, GroupDescription = 4,
  GroupType = 5, GroupPrime = 6, GroupGeneratorOne = 7, GroupGeneratorTwo = 8,
  GroupCurveA = 9, GroupCurveB = 10, LifeType = 11, LifeDuration = 12, Prf = 13,
  KeyLength = 14, FieldSize = 15, GroupOrder = 16, BlockSize = 17,
};

// RFC 2409 Appendix A encryption algorithms (phase 1).
enum class IkeEncryption : uint16_t {
  DesCbc = 1, IdeaCbc = 2, BlowfishCbc = 3, Rc5R16B64Cbc = 4, TripleDesCbc = 5, CastCbc = 6,
  AesCbc = 7, CamelliaCbc = 8,
};

// RFC 2409 Appendix A hash algorithms (+ RFC 4868 SHA2 values).
enum class IkeHash : uint16_t {
  Md5 = 1, Sha = 2, Tiger = 3, Sha2_256 = 4, Sha2_384 = 5, Sha2_512 = 6,
};

// RFC 2409 Appendix A authentication methods (+ RFC 4754 ECDSA, XAUTH/hybrid private values).
enum class IkeAuthMethod : uint16_t {
  PreShared = 1, Dss = 2, RsaSig = 3, RsaEnc = 4, RsaEncRev = 5, ElGamalEnc = 6,
  ElGamalEncRev = 7, EcdsaSig = 8, EcdsaSha256 = 9, EcdsaSha384 = 10, EcdsaSha512 = 11,
  HybridInitRsa = 64221, HybridRespRsa = 64222, HybridInitDss = 64223, HybridRespDss = 64224,
  XauthInitPreShared = 65001, XauthRespPreShared = 65002, XauthInitDss = 65003,
  XauthRespDss = 65004, XauthInitRsa = 65005, XauthRespRsa = 65006, XauthInitRsaEnc = 65007,
  XauthRespRsaEnc = 65008, XauthInitRsaRevEnc = 65009, XauthRespRsaRevEnc = 65010,
};

// IANA "Group Description" (RFC 2409 §6, RFC 3526, RFC 5903, RFC 5114, RFC 6932, RFC 8031).
enum class DhGroupId : uint16_t {
  Modp768 = 1, Modp1024 = 2, Ec2n155 = 3, Ec2n185 = 4, Modp1536 = 5, Modp2048 = 14,
  Modp3072 = 15, Modp4096 = 16, Modp6144 = 17, Modp8192 = 18, Ecp256 = 19, Ecp384 = 20,
  Ecp521 = 21, Modp1024s160 = 22, Modp2048s224 = 23, Modp2048s256 = 24, Ecp192 = 25,
  Ecp224 = 26, Bp224 = 27, Bp256 = 28, Bp384 = 29, Bp512 = 30, Curve25519 = 31, Curve448 = 32,
};

// RFC 2409 Appendix A life types (phase 1) == RFC 2407 §4.5 SA life types.
enum class LifeType : uint16_t { Seconds = 1, Kilobytes = 2 };

// RFC 2407 §4.5 IPsec SA attribute classes.
enum class IpsecAttr : uint16_t {
  SaLifeType = 1, SaLifeDuration = 2, GroupDescription = 3, EncapsulationMode = 4,
  AuthenticationAlgorithm = 5, KeyLength = 6, KeyRounds = 7, CompressDictionarySize = 8,
  CompressPrivateAlgorithm = 9, EcnTunnel = 10, ExtendedSequenceNumber = 11,
};

// RFC 2407 §4.5 encapsulation mode (+ RFC 3947 and the draft values).
enum class EncapsulationMode : uint16_t {
  Tunnel = 1, Transport = 2, UdpEncapTunnel = 3, UdpEncapTransport = 4,
  UdpEncapTunnelDraft = 61443, UdpEncapTransportDraft = 61444,
};

// RFC 2407 §4.5 authentication algorithm (+ RFC 4868).
enum class IpsecAuthAlg : uint16_t {
  HmacMd5 = 1, HmacSha = 2, DesMac = 3, Kpdk = 4, HmacSha2_256 = 5, HmacSha2_384 = 6,
  HmacSha2_512 = 7, HmacRipemd = 8, AesXcbcMac = 9, AesGmac128 = 11, AesGmac192 = 12,
  AesGmac256 = 13,
};

// RFC 2407 §4.6.2.1 identification types.
enum class IdType : uint8_t {
  Ipv4Addr = 1, Fqdn = 2, UserFqdn = 3, Ipv4AddrSubnet = 4, Ipv6Addr = 5, Ipv6AddrSubnet = 6,
  Ipv4AddrRange = 7, Ipv6AddrRange = 8, DerAsn1Dn = 9, DerAsn1Gn = 10, KeyId = 11,
};

// RFC 2408 §3.9 certificate encodings.
enum class CertEncoding : uint8_t {
  None = 0, Pkcs7 = 1, Pgp = 2, DnsSignedKey = 3, X509Sig = 4, X509KeyExchange = 5,
  KerberosTokens = 6, Crl = 7, Arl = 8, Spki = 9, X509Attribute = 10, Keynote = 11,
  HashUrlX509 = 12, HashUrlBundle = 13,
};

// draft-ietf-ipsec-isakmp-mode-cfg attribute payload types.
enum class CfgType : uint8_t { Reserved = 0, Request = 1, Reply = 2, Set = 3, Ack = 4 };

// draft-ietf-ipsec-isakmp-mode-cfg-05 §3.3 attribute types + draft-beaulieu-ike-xauth-02 §6.
enum class CfgAttr : uint16_t {
  InternalIp4Address = 1, InternalIp4Netmask = 2, InternalIp4Dns = 3, InternalIp4Nbns = 4,
  InternalAddressExpiry = 5, InternalIp4Dhcp = 6, ApplicationVersion = 7,
  InternalIp6Address = 8, InternalIp6Netmask = 9, InternalIp6Dns = 10, InternalIp6Nbns = 11,
  InternalIp6Dhcp = 12, InternalIp4Subnet = 13, SupportedAttributes = 14,
  InternalIp6Subnet = 15, XauthType = 16520, XauthUserName = 16521, XauthUserPassword = 16522,
  XauthPasscode = 16523, XauthMessage = 16524, XauthChallenge = 16525, XauthDomain = 16526,
  XauthStatus = 16527, XauthNextPin = 16528, XauthAnswer = 16529,
};

// RFC 2409 Appendix A group types (attribute class GROUP_TYPE).
enum class GroupType : uint16_t { Modp = 1, Ecp = 2, Ec2n = 3 };

// --- registry access -----------------------------------------------------------------------
struct RegistryEntry {
  uint32_t value;
  std::string_view name;  // the isakmpd constant-table spelling (AES_CBC, MODP_2048, ...)
  std::string_view rfc;   // "RFC 2409 App. A"
};

enum class Registry : uint8_t {
  ExchangeType, PayloadType, NotifyType, ProtocolId, AhTransformId, EspTransformId,
  IpcompTransformId, IkeAttr, IkeEncryption, IkeHash, IkeAuthMethod, DhGroup, LifeType,
  IpsecAttr, EncapsulationMode, IpsecAuthAlg, IdType, CertEncoding, CfgType,
  // Added by wire (backward compatible): mode-cfg / XAUTH attribute types and RFC 2409 App. A
  // group types, used by the dumper and the mode-cfg code.
  CfgAttr, GroupType,
};

std::span<const RegistryEntry> registry_table(Registry r) noexcept;
// Name for a value; nullopt when unassigned (printers then show "unknown (N)").
std::optional<std::string_view> registry_name(Registry r, uint32_t value) noexcept;
// "AES_CBC" or "unknown (N)" -- safe for any hostile value.
std::string registry_name_or_number(Registry r, uint32_t value);
// The same, appended to `out` (texts built of several names need no temporaries).
void append_registry_name(std::string& out, Registry r, uint32_t value);
// Case-insensitive symbolic lookup for the configuration ("aes_cbc" -> 7).
std::optional<uint32_t> registry_value(Registry r, std::string_view name) noexcept;

// Convenience typed printers.
std::string to_string(ExchangeType v);
std::string to_string(PayloadType v);
std::string to_string(NotifyType v);

}  // namespace ike::wire
