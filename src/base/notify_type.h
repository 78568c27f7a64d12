// ISAKMP notify message types (RFC 2408 §3.14.1, RFC 2407 §4.6.3, RFC 3706). Lives in base
// because Error carries the notify the engine may send; the name table is wire/registry.h.
#pragma once

#include <cstdint>

namespace ike::base {

enum class NotifyType : uint16_t {
  None = 0,  // not a wire value: "send nothing"
  InvalidPayloadType = 1,
  DoiNotSupported = 2,
  SituationNotSupported = 3,
  InvalidCookie = 4,
  InvalidMajorVersion = 5,
  InvalidMinorVersion = 6,
  InvalidExchangeType = 7,
  InvalidFlags = 8,
  InvalidMessageId = 9,
  InvalidProtocolId = 10,
  InvalidSpi = 11,
  InvalidTransformId = 12,
  AttributesNotSupported = 13,
  NoProposalChosen = 14,
  BadProposalSyntax = 15,
  PayloadMalformed = 16,
  InvalidKeyInformation = 17,
  InvalidIdInformation = 18,
  InvalidCertEncoding = 19,
  InvalidCertificate = 20,
  CertTypeUnsupported = 21,
  InvalidCertAuthority = 22,
  InvalidHashInformation = 23,
  AuthenticationFailed = 24,
  InvalidSignature = 25,
  AddressNotification = 26,
  NotifySaLifetime = 27,
  CertificateUnavailable = 28,
  UnsupportedExchangeType = 29,
  UnequalPayloadLengths = 30,
  Connected = 16384,
  ResponderLifetime = 24576,
  ReplayStatus = 24577,
  InitialContact = 24578,
  RUThere = 36136,
  RUThereAck = 36137,
};

}  // namespace ike::base
