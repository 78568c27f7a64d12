# Fuzz target of the isakmpd.conf parser and database (owner: conf). Included by
# tests/fuzz/CMakeLists.txt. Dictionary: tests/fuzz/dict/isakmpd_conf.dict is not needed; the
# corpus seeds carry the syntax.
ike_fuzz_target(fuzz_conf SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_conf.cc LIBS ike_conf)
