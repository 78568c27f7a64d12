// Keeps the fuzz seed corpora (tests/fuzz/corpus/fuzz_{message,sa_payload,attributes,id}/) in
// sync with the wire test vectors: every seed listed here must exist with exactly these bytes.
// Run once with IKE_UPDATE_CORPUS=1 to (re)write the files after changing a vector.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "test_util.h"
#include "wire_vectors.h"

namespace ike::wire::test {
namespace {

namespace fs = std::filesystem;

struct Seed {
  std::string target;
  std::string name;
  Bytes bytes;
};

Bytes attribute_seed(uint8_t protocol_selector, const std::vector<Attribute>& attrs) {
  AttributePayload ap;
  ap.cfg_type = 1;
  ap.attributes = attrs;
  Bytes body = encode_payload_body(ap);  // type, RESERVED, identifier, attributes
  Bytes out{protocol_selector};
  out.insert(out.end(), body.begin() + 4, body.end());
  return out;
}

std::vector<Seed> seeds() {
  std::vector<Seed> out;
  for (const auto& v : message_vectors()) {
    out.push_back({"fuzz_message", v.name, from_hex_or_die(v.golden_hex)});
  }
  Header enc = make_header(ExchangeType::IdProt, true);
  enc.flags = kFlagEncryption;
  enc.next_payload = PayloadType::Id;
  enc.length = kHeaderSize + 32;
  Bytes encrypted = encode_header(enc);
  const Bytes cipher = repeat_bytes(0xe0, 32);
  encrypted.insert(encrypted.end(), cipher.begin(), cipher.end());
  out.push_back({"fuzz_message", "encrypted", encrypted});

  out.push_back({"fuzz_sa_payload", "mm_sa", encode_payload_body(mm_sa())});
  out.push_back({"fuzz_sa_payload", "qm_sa", encode_payload_body(qm_sa())});

  // First byte selects the protocol in fuzz_attributes: 0 -> PROTO_ISAKMP, 2 -> IPSEC_ESP.
  out.push_back({"fuzz_attributes", "ike_transform",
                 attribute_seed(0, mm_sa().proposals[0].transforms[0].attributes)});
  out.push_back({"fuzz_attributes", "esp_transform",
                 attribute_seed(2, qm_sa().proposals[0].transforms[0].attributes)});
  out.push_back({"fuzz_attributes", "modecfg", attribute_seed(1, modecfg_request().attributes)});

  auto id = [](IdType t, Bytes data) {
    return encode_payload_body(IdPayload{static_cast<uint8_t>(t), 17, 500, std::move(data)});
  };
  out.push_back({"fuzz_id", "ipv4", id(IdType::Ipv4Addr, {192, 0, 2, 1})});
  out.push_back({"fuzz_id", "ipv4_subnet", id(IdType::Ipv4AddrSubnet, {10, 1, 0, 0, 255, 255, 0, 0})});
  out.push_back({"fuzz_id", "ipv4_range", id(IdType::Ipv4AddrRange, {10, 0, 0, 1, 10, 0, 0, 9})});
  out.push_back({"fuzz_id", "ipv6", id(IdType::Ipv6Addr, repeat_bytes(0x20, 16))});
  Bytes v6net = repeat_bytes(0x20, 16);
  Bytes v6mask(16, 0);
  std::fill(v6mask.begin(), v6mask.begin() + 8, 0xff);
  v6net.insert(v6net.end(), v6mask.begin(), v6mask.end());
  out.push_back({"fuzz_id", "ipv6_subnet", id(IdType::Ipv6AddrSubnet, v6net)});
  out.push_back({"fuzz_id", "fqdn", id(IdType::Fqdn, base::to_bytes(base::view("vpn.example.net")))});
  out.push_back({"fuzz_id", "user_fqdn", id(IdType::UserFqdn, base::to_bytes(base::view("alice@example.net")))});
  out.push_back({"fuzz_id", "dn", id(IdType::DerAsn1Dn, from_hex_or_die("3011310f300d06035504030c0674657374636e"))});
  out.push_back({"fuzz_id", "key_id", id(IdType::KeyId, {0xde, 0xad, 0xbe, 0xef})});
  out.push_back({"fuzz_id", "nat_oa_v4", {1, 0, 0, 0, 192, 168, 1, 10}});
  return out;
}

Bytes read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(FuzzCorpus, SeedsMatchVectors) {
  const fs::path root(IKE_FUZZ_CORPUS_ROOT);
  const char* update = std::getenv("IKE_UPDATE_CORPUS");
  for (const auto& s : seeds()) {
    const fs::path file = root / s.target / (s.name + ".bin");
    if (update != nullptr && std::string(update) == "1") {
      fs::create_directories(file.parent_path());
      std::ofstream(file, std::ios::binary)
          .write(reinterpret_cast<const char*>(s.bytes.data()),
                 static_cast<std::streamsize>(s.bytes.size()));
    }
    ASSERT_TRUE(fs::exists(file)) << file << " missing (run with IKE_UPDATE_CORPUS=1)";
    EXPECT_EQ(read_all(file), s.bytes) << file << " differs from the vector";
  }
}

TEST(FuzzCorpus, SeedsAreValidInputs) {
  // Seeds should reach deep code: each must decode successfully.
  for (const auto& s : seeds()) {
    SCOPED_TRACE(s.target + "/" + s.name);
    if (s.target == "fuzz_message") {
      auto m = parse_message(s.bytes);
      EXPECT_TRUE(m) << m.error().detail;
    } else if (s.target == "fuzz_sa_payload") {
      EXPECT_TRUE(parse_payload_body(PayloadType::Sa, s.bytes, 0));
    } else if (s.target == "fuzz_id") {
      EXPECT_TRUE(parse_payload_body(PayloadType::Id, s.bytes, 0) ||
                  parse_payload_body(PayloadType::NatOa, s.bytes, 0));
    } else {
      Bytes body{1, 0, 0, 0};
      body.insert(body.end(), s.bytes.begin() + 1, s.bytes.end());
      EXPECT_TRUE(parse_payload_body(PayloadType::Attribute, body, 0));
    }
  }
}

}  // namespace
}  // namespace ike::wire::test
