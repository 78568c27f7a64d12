// Caps of the KeyNote engine (RFC 2704 input is hostile: a policy file or a credential may be
// written to loop, recurse or exhaust memory). Every parser and the evaluator check these; a
// violated cap is an error naming the cap, never a crash or an unbounded computation.
#pragma once

#include <cstddef>

namespace ike::policy {

inline constexpr std::size_t kMaxAssertionSize = 64 * 1024;      // bytes of one assertion
inline constexpr std::size_t kMaxPolicyFileSize = 1024 * 1024;   // bytes of a policy file
inline constexpr std::size_t kMaxAssertions = 1024;              // per session
inline constexpr std::size_t kMaxTokens = 16 * 1024;             // per field
inline constexpr std::size_t kMaxNesting = 64;                   // (), {}, unary chains
inline constexpr std::size_t kMaxExpressionDepth = 512;          // tree depth (a + b + c ...)
inline constexpr std::size_t kMaxDelegationDepth = 128;          // principal -> principal chain
inline constexpr std::size_t kMaxLocalConstants = 256;           // per assertion
inline constexpr std::size_t kMaxLicenseePrincipals = 256;       // per Licensees field
inline constexpr std::size_t kMaxComplianceValues = 32;          // per session
inline constexpr std::size_t kMaxRegexPattern = 512;             // bytes of a ~= pattern
inline constexpr std::size_t kMaxRegexBound = 255;               // {n,m} repetition bound
inline constexpr std::size_t kMaxRegexSubject = 4096;            // bytes matched against
inline constexpr std::size_t kMaxStringValue = 16 * 1024;        // "." concatenation result
inline constexpr std::size_t kMaxEvalSteps = 200 * 1000;         // expression nodes per query
inline constexpr std::size_t kMaxActionAttributes = 512;         // per query
inline constexpr std::size_t kMaxSignatureKeyBytes = 8 * 1024;   // DER of an RSA key
inline constexpr std::size_t kMaxCertificatePrincipalBytes = 16 * 1024;  // x509-base64: DER
inline constexpr std::size_t kMaxCredentialFiles = 256;          // Credential-directory files
inline constexpr std::size_t kMaxPeerCredentials = 16;           // KEYNOTE CERTs per exchange
// Credential-directory/<ID>/credentials (isakmpd.conf(5) [KeyNote]): identities, credentials
// per identity, bytes of an identity directory name.
inline constexpr std::size_t kMaxIdentityCredentialDirs = 256;
inline constexpr std::size_t kMaxIdentityCredentials = 16;
inline constexpr std::size_t kMaxIdentityNameBytes = 255;

}  // namespace ike::policy
