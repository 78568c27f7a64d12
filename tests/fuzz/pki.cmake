# Fuzz targets of the RSA_SIG credentials (owner: crypto/engine PKI). Included by
# tests/fuzz/CMakeLists.txt. fuzz_cert: a peer CERT payload body (DER X.509, hostile).
if(TARGET ike_engine)
  ike_fuzz_target(fuzz_cert SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_cert.cc LIBS ike_engine)
endif()
