// The .mote file layout: header, section table and section tags, the sizes and alignments every
// reader and writer shares, and little-endian loads and stores. The records of each section live
// in Records.swift, each op family's constants block in Ops/. docs/FORMAT.md describes the same
// bytes for people; the exporter's writer (MoteExport/ModelWriter.swift) encodes through these
// definitions, so the two sides cannot drift apart. All integers are little-endian.

package enum FileLayout {
    /// "MOTE" read as a little-endian u32.
    package static let magic: UInt32 = 0x4554_4F4D
    package static let major: UInt16 = 1
    package static let minor: UInt16 = 0
    package static let headerBytes = 32
    package static let sectionEntryBytes = 12
    /// Sections start at multiples of this, so int64 biases in the constants load aligned.
    package static let sectionAlignment = 8
    /// The caller's arena must start at a multiple of this.
    package static let arenaAlignment = 16
    /// Bytes [checksumStart, file size), everything after the checksum field, are covered by it.
    package static let checksumStart = Header.checksum + 4

    /// Byte offsets of the header's fields (32 bytes; 22..<32 are reserved, written as zero).
    package enum Header {
        package static let magic = 0          // u32, FileLayout.magic
        package static let major = 4          // u16
        package static let minor = 6          // u16
        package static let fileBytes = 8      // u32, the whole file
        package static let checksum = 12      // u32, CRC-32 of [checksumStart, fileBytes)
        package static let arenaBytes = 16    // u32, the arena the model needs
        package static let sectionCount = 20  // u16, entries in the section table after the header
    }

    /// Byte offsets inside one section-table entry (12 bytes).
    package enum SectionEntry {
        package static let tag = 0            // u32, one of Tag
        package static let offset = 4         // u32, from the start of the file
        package static let length = 8         // u32, bytes
    }

    /// Section tags: four ASCII characters read as a little-endian u32.
    package enum Tag {
        package static let tensors: UInt32 = 0x534E_4554    // "TENS"
        package static let ops: UInt32 = 0x5F53_504F        // "OPS_"
        package static let subgraphs: UInt32 = 0x4742_5553  // "SUBG"
        package static let constants: UInt32 = 0x534E_4F43  // "CONS"
        package static let names: UInt32 = 0x454D_414E      // "NAME" (optional; the runtime skips it)
        package static let channelScales: UInt32 = 0x4353_4843  // "CHSC" (optional, for tools; the runtime skips it)
    }
}

extension UnsafeRawPointer {
    @inlinable @inline(__always) func u8(_ at: Int) -> UInt8 { load(fromByteOffset: at, as: UInt8.self) }
    @inlinable @inline(__always) func u16(_ at: Int) -> UInt16 { UInt16(littleEndian: loadUnaligned(fromByteOffset: at, as: UInt16.self)) }
    @inlinable @inline(__always) func i16(_ at: Int) -> Int16 { Int16(littleEndian: loadUnaligned(fromByteOffset: at, as: Int16.self)) }
    @inlinable @inline(__always) func u32(_ at: Int) -> UInt32 { UInt32(littleEndian: loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
    @inlinable @inline(__always) func i32(_ at: Int) -> Int32 { Int32(littleEndian: loadUnaligned(fromByteOffset: at, as: Int32.self)) }
}

/// Little-endian stores, for the encoders (host tools write files; boards never do).
extension UnsafeMutableRawPointer {
    @inlinable @inline(__always) func put(_ v: UInt8, at: Int) { storeBytes(of: v, toByteOffset: at, as: UInt8.self) }
    @inlinable @inline(__always) func put(_ v: UInt16, at: Int) { storeBytes(of: v.littleEndian, toByteOffset: at, as: UInt16.self) }
    @inlinable @inline(__always) func put(_ v: Int16, at: Int) { storeBytes(of: v.littleEndian, toByteOffset: at, as: Int16.self) }
    @inlinable @inline(__always) func put(_ v: UInt32, at: Int) { storeBytes(of: v.littleEndian, toByteOffset: at, as: UInt32.self) }
    @inlinable @inline(__always) func put(_ v: Int32, at: Int) { storeBytes(of: v.littleEndian, toByteOffset: at, as: Int32.self) }
    @inlinable @inline(__always) func put(_ v: Int64, at: Int) { storeBytes(of: v.littleEndian, toByteOffset: at, as: Int64.self) }
}
