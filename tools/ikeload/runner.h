// The ikeload driver: one UDP socket per slot (source address, port), a fresh engine::Engine per
// handshake on a free slot (sans-I/O: the runner feeds datagrams, ticks and a null kernel that
// answers every GETSPI/ADD SA at once), one epoll loop for all slots. A handshake succeeds when
// its engine reports Phase2Established (Main Mode + Quick Mode done); it fails on an
// ExchangeFailed event or after --timeout. Afterwards the engine is shut down (DELETE for
// phase 2 and phase 1 unless --keep-sas, so the responder's state stays bounded) and dropped.
// Closed loop: keep --concurrency handshakes in flight. Open loop: start one every 1/--rate s
// (a start with no free slot counts as failure "no free slot").
// Cheaper than the responder: the per-address ConfDb is built once, all engines share the
// ReusedDhProvider (one DH key pair per group) and one OpenSSL provider (reused_dh.h).
#pragma once

#include <memory>

#include "base/result.h"
#include "options.h"
#include "report.h"

namespace ike::ikeload {

// Runs the whole load as `o` says and returns the report; errors for set-up problems (socket,
// bind: "bind 10.9.0.7:500: Cannot assign requested address", credentials, config).
[[nodiscard]] base::Result<Report> run_load(const Options& o);

}  // namespace ike::ikeload
