# Fuzz target of the ipsec.conf(5) parser of ipsecctl (owner: tools/ipsecctl). Included by
# tests/fuzz/CMakeLists.txt. Corpus: the OpenBSD regress inputs (tests/data/ipsecctl-regress).
ike_fuzz_target(fuzz_ipsec_conf SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_ipsec_conf.cc
                LIBS ike_ipsecctl)
