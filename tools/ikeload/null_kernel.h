// The kernel of ikeload's initiators (and of bench/responder_bench's responder): every request
// succeeds at once, a GETSPI gets the next SPI of a counter that skips the reserved SPIs 0-255
// (RFC 4303 §2.1) when it wraps.
#pragma once

#include <cstdint>
#include <variant>

#include "engine/engine.h"

namespace ike::ikeload {

class NullKernel {
 public:
  engine::KernelReply answer(const engine::KernelRequest& k) {
    engine::KernelReply reply;
    reply.request_id = k.id;
    if (std::holds_alternative<base::KernelGetSpi>(k.op)) {
      reply.allocated_spi = base::Spi{m_next_spi++};
      if (m_next_spi == 0) m_next_spi = kFirstSpi;
    }
    return reply;
  }

 private:
  static constexpr uint32_t kFirstSpi = 0x00010000;
  uint32_t m_next_spi = kFirstSpi;
};

}  // namespace ike::ikeload
