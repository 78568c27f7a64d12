# Fuzz target of the KeyNote policy engine (owner: src/policy). Included by
# tests/fuzz/CMakeLists.txt. Corpus: the isakmpd.policy(5) examples, delegation with k-of and
# constants, every operator of the Conditions language, and a credential signed with the
# openssl command line (tests/fuzz/corpus/fuzz_keynote).
ike_fuzz_target(fuzz_keynote SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_keynote.cc LIBS ike_policy)
