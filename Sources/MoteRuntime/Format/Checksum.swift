// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320): the same value as zlib's crc32 and
// Python's zlib.crc32, so any tool can check a .mote file. Bitwise, to need no table in RAM
// or flash; it runs once per model open.

public func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        crc ^= UInt32(b)
        for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
    }
    return ~crc
}
