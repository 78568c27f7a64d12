// XAUTH pure functions (engine/xauth.h, draft-beaulieu-ike-xauth-02): method mapping and
// roles (§5), the attribute checks of parse_xauth (§6.1) with their precise refusals, the four
// messages, client credentials from the config, and the phase-1 policy with XAUTH methods.
#include <gtest/gtest.h>

#include "conf/conf_parser.h"
#include "conf/defaults.h"
#include "engine/phase1_policy.h"
#include "engine/xauth.h"
#include "support/engine_pair.h"

namespace ike::engine {
namespace {

using wire::CfgAttr;
using wire::IkeAuthMethod;

wire::Attribute tlv(CfgAttr t, std::string_view v) {
  wire::Attribute a;
  a.type = static_cast<uint16_t>(t);
  a.tv = false;
  a.long_value = base::to_bytes(base::view(v));
  return a;
}
wire::Attribute tv(CfgAttr t, uint16_t v) {
  return wire::Attribute::basic(static_cast<uint16_t>(t), v);
}
wire::AttributePayload payload(wire::CfgType type, std::vector<wire::Attribute> attrs) {
  wire::AttributePayload p;
  p.cfg_type = static_cast<uint8_t>(type);
  p.identifier = 0x0102;
  p.attributes = std::move(attrs);
  return p;
}
std::string refusal(const wire::AttributePayload& p) {
  auto r = parse_xauth(p);
  return r ? std::string("accepted") : r.error().detail;
}

TEST(XauthMethods, BaseMethodsAndRoles) {
  EXPECT_EQ(xauth_base_method(65001), IkeAuthMethod::PreShared);
  EXPECT_EQ(xauth_base_method(65002), IkeAuthMethod::PreShared);
  EXPECT_EQ(xauth_base_method(65005), IkeAuthMethod::RsaSig);
  EXPECT_EQ(xauth_base_method(65006), IkeAuthMethod::RsaSig);
  EXPECT_FALSE(xauth_base_method(1));
  EXPECT_FALSE(xauth_base_method(65003));  // XAUTHInitDSS: not implemented
  EXPECT_EQ(xauth_config_alias("xauth_pre_shared"), 65001);
  EXPECT_EQ(xauth_config_alias("XAUTH_RSA_SIG"), 65005);
  EXPECT_FALSE(xauth_config_alias("PRE_SHARED"));
  // §5: Init* -> the initiator is the client; Resp* -> the responder is.
  EXPECT_EQ(xauth_role(65001, true), XauthRole::Client);
  EXPECT_EQ(xauth_role(65001, false), XauthRole::Server);
  EXPECT_EQ(xauth_role(65002, true), XauthRole::Server);
  EXPECT_EQ(xauth_role(65006, false), XauthRole::Client);
  EXPECT_EQ(xauth_role(1, false), XauthRole::None);
}

TEST(XauthAttributes, ParsesAReply) {
  auto m = parse_xauth(payload(wire::CfgType::Reply,
                               {tv(CfgAttr::XauthType, 0), tlv(CfgAttr::XauthUserName, "alice"),
                                tlv(CfgAttr::XauthUserPassword, "pw"),
                                tlv(CfgAttr::InternalIp4Address, "")}));
  ASSERT_TRUE(m) << m.error().detail;
  EXPECT_EQ(m->type, wire::CfgType::Reply);
  EXPECT_EQ(m->identifier, 0x0102);
  EXPECT_EQ(m->xauth_type, 0);
  EXPECT_EQ(m->user, "alice");
  EXPECT_EQ(m->password, base::to_secure(base::view(std::string_view("pw"))));
  EXPECT_EQ(m->other, std::vector<uint16_t>{1});
}

TEST(XauthAttributes, RefusesMalformedAttributesPrecisely) {
  using T = wire::CfgType;
  EXPECT_EQ(refusal(payload(T::Reply, {tlv(CfgAttr::XauthUserName, "a"),
                                       tlv(CfgAttr::XauthUserName, "b")})),
            "XAUTH attribute #2 XAUTH_USER_NAME duplicates #1");
  EXPECT_EQ(refusal(payload(T::Reply, {tv(CfgAttr::XauthUserPassword, 7)})),
            "XAUTH attribute #1 XAUTH_USER_PASSWORD in TV form (expected variable length)");
  EXPECT_EQ(refusal(payload(T::Reply, {tlv(CfgAttr::XauthUserName, std::string(256, 'u'))})),
            "XAUTH attribute #1 XAUTH_USER_NAME: length 256 (at most 255)");
  EXPECT_EQ(refusal(payload(T::Reply, {tlv(CfgAttr::XauthUserName, std::string("a\0b", 3))})),
            "XAUTH attribute #1 XAUTH_USER_NAME: contains a NUL octet");
  EXPECT_EQ(refusal(payload(T::Request, {tv(CfgAttr::XauthType, 1)})),
            "XAUTH attribute #1 XAUTH_TYPE 1 (only generic 0 supported)");
  EXPECT_EQ(parse_xauth(payload(T::Request, {tv(CfgAttr::XauthType, 1)})).error().notify,
            base::NotifyType::AttributesNotSupported);
  EXPECT_EQ(refusal(payload(T::Set, {tv(CfgAttr::XauthStatus, 2)})),
            "XAUTH attribute #1 XAUTH_STATUS 2 (expected 0 FAIL or 1 OK)");
  EXPECT_EQ(refusal(payload(T::Set, {tlv(CfgAttr::XauthStatus, "abc")})),
            "XAUTH attribute #1 XAUTH_STATUS: length 3 (expected basic, 2 or 4)");
  // A 2-octet variable STATUS is read as a number; an empty one just names the attribute.
  auto set = parse_xauth(payload(T::Set, {tlv(CfgAttr::XauthStatus, std::string("\0\1", 2))}));
  ASSERT_TRUE(set);
  EXPECT_EQ(set->status, 1);
  auto ack = parse_xauth(payload(T::Ack, {tlv(CfgAttr::XauthStatus, "")}));
  ASSERT_TRUE(ack);
  EXPECT_FALSE(ack->status);
}

TEST(XauthAttributes, BuildsTheFourMessages) {
  auto req = parse_xauth(build_xauth_request(9));
  ASSERT_TRUE(req);
  EXPECT_EQ(req->type, wire::CfgType::Request);
  EXPECT_EQ(req->xauth_type, 0);
  EXPECT_EQ(req->user, "");
  EXPECT_TRUE(req->password && req->password->empty());
  auto reply = build_xauth_reply(9, false, "bob", base::view(std::string_view("s3")));
  ASSERT_TRUE(reply);
  auto rep = parse_xauth(*reply);
  ASSERT_TRUE(rep);
  EXPECT_FALSE(rep->xauth_type);
  EXPECT_EQ(rep->user, "bob");
  EXPECT_FALSE(build_xauth_reply(9, false, std::string(256, 'u'), {}));
  auto set = parse_xauth(build_xauth_set(3, false));
  ASSERT_TRUE(set);
  EXPECT_EQ(set->status, kXauthStatusFail);
  EXPECT_TRUE(set->xauth_type == std::nullopt);
  auto ack = parse_xauth(build_xauth_ack(3, kXauthStatusOk));
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->type, wire::CfgType::Ack);
  EXPECT_EQ(ack->status, kXauthStatusOk);
  EXPECT_TRUE(is_xauth_payload(build_xauth_set(1, true)));
  EXPECT_FALSE(is_xauth_payload(payload(wire::CfgType::Set, {tlv(CfgAttr::InternalIp4Address, "")})));
}

conf::ConfDb load(const std::string& text) {
  conf::ConfDb db;
  auto parsed = conf::parse_config(text, "t", db);
  EXPECT_TRUE(parsed);
  EXPECT_TRUE(db.commit(parsed->tx));
  conf::load_defaults(db);
  return db;
}

TEST(XauthConfig, ClientCredentialsAndTimeout) {
  auto db = load("[peer]\nXAuth-user=alice\nXAuth-password=pw\n[nopw]\nXAuth-user=bob\n"
                 "[General]\nXAuth-timeout=30\n");
  auto c = xauth_client_credentials(db, "peer");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user, "alice");
  EXPECT_EQ(c->password, base::to_secure(base::view(std::string_view("pw"))));
  EXPECT_EQ(xauth_client_credentials(db, "nopw").error().detail, "[nopw]:XAuth-password missing");
  EXPECT_EQ(xauth_client_credentials(db, "none").error().detail, "[none]:XAuth-user missing");
  EXPECT_EQ(xauth_timeout(db), base::Seconds{30});
  EXPECT_EQ(xauth_timeout(load("[General]\nXAuth-timeout=0\n")), kXauthDefaultTimeout);
}

TEST(XauthPolicy, OfferCarriesTheXauthMethodAndSuiteTheBase) {
  test::PeerConf pc;
  pc.p1_transforms = "X";
  auto db = load(test::make_conf(pc) +
                 "\n[X]\nENCRYPTION_ALGORITHM=AES_CBC\nKEY_LENGTH=128\nHASH_ALGORITHM=SHA\n"
                 "AUTHENTICATION_METHOD=XAUTH_RSA_SIG\nGROUP_DESCRIPTION=MODP_2048\n");
  auto offer = build_phase1_offer(db, "peer-10.0.0.2", test::EnginePair::provider());
  ASSERT_TRUE(offer) << offer.error().detail;
  ASSERT_EQ(offer->suites.size(), 1u);
  EXPECT_EQ(offer->suites[0].auth_method, IkeAuthMethod::RsaSig);
  EXPECT_EQ(offer->suites[0].xauth_method, 65005);
  EXPECT_EQ(offer->suites[0].wire_auth_method(), 65005);
  const auto* a = offer->sa.proposals[0].transforms[0].find(
      static_cast<uint16_t>(wire::IkeAttr::AuthenticationMethod));
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->as_number(), 65005u);
  auto decoded = decode_phase1_transform(offer->sa.proposals[0].transforms[0]);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, offer->suites[0]);
  EXPECT_NE(decoded->to_string().find("XAUTH_INIT_RSA"), std::string::npos);
}

}  // namespace
}  // namespace ike::engine
