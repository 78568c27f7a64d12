# Fuzz target of the FIFO command line parser and line reader (owner: daemon). Included by
# tests/fuzz/CMakeLists.txt. Reliability class 20: FIFO input is hostile.
ike_fuzz_target(fuzz_ui_line SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_ui_line.cc
                LIBS ike_daemon_ui)

# FIFO lines executed against a ConfDb: every `C` value, section and tag reaches the
# configuration transactions (reliability class 20; issue #4 "every C value is fuzzed").
if(TARGET ike_daemon_lib)
  ike_fuzz_target(fuzz_ui_exec SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_ui_exec.cc
                  LIBS ike_daemon_lib ike_conf)
endif()

# Fuzz target of the privilege-separation protocol decoder (monitor_protocol.h): every message
# from the other process is hostile; anything malformed must be refused, never crash.
ike_fuzz_target(fuzz_monitor_protocol SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_monitor_protocol.cc
                LIBS ike_monitor_protocol)
