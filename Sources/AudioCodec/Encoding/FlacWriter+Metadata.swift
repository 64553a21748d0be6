import CFLAC

/// FLAC's metadata blocks: tags and chapters as Vorbis comments, the cover
/// as a PICTURE block, chapters again as a CUESHEET (one track per chapter,
/// the form CUE-aware players and `metaflac --export-cuesheet-to` read).
extension FlacWriter {
    static func makeMetadata(
        _ tags: AudioTags, chapters: [ChapterMark], coverArt: CoverArt?, sampleRate: Int
    ) -> [UnsafeMutablePointer<FLAC__StreamMetadata>?] {
        var blocks: [UnsafeMutablePointer<FLAC__StreamMetadata>?] = []
        // The cuesheet before the comments: FFmpeg makes a chapter of each
        // (by number) and a later CHAPTERxxxNAME gives it its title, where
        // the cuesheet's (an ISRC, empty) read last would blank it.
        if !chapters.isEmpty, let cuesheet = cuesheet(chapters, sampleRate: sampleRate) { blocks.append(cuesheet) }
        if !tags.isEmpty || !chapters.isEmpty, let comments = FLAC__metadata_object_new(FLAC__METADATA_TYPE_VORBIS_COMMENT) {
            let fields = AudioTags.names.compactMap { name in
                tags[name].map { (name == "track" ? "TRACKNUMBER" : name.uppercased(), $0) }
            }
            for (field, value) in fields + ChapterMark.vorbisComments(chapters) {
                var entry = FLAC__StreamMetadata_VorbisComment_Entry()
                if FLAC__metadata_object_vorbiscomment_entry_from_name_value_pair(&entry, field, value) != 0 {
                    _ = FLAC__metadata_object_vorbiscomment_append_comment(comments, entry, 0)
                }
            }
            blocks.append(comments)
        }
        if let coverArt, let picture = picture(coverArt) { blocks.append(picture) }
        if let padding = FLAC__metadata_object_new(FLAC__METADATA_TYPE_PADDING) {
            padding.pointee.length = 1024  // room to edit tags in place later
            blocks.append(padding)
        }
        return blocks
    }

    private static func picture(_ cover: CoverArt) -> UnsafeMutablePointer<FLAC__StreamMetadata>? {
        guard let block = FLAC__metadata_object_new(FLAC__METADATA_TYPE_PICTURE) else { return nil }
        block.pointee.data.picture.type = FLAC__STREAM_METADATA_PICTURE_TYPE_FRONT_COVER
        block.pointee.data.picture.width = UInt32(cover.width)
        block.pointee.data.picture.height = UInt32(cover.height)
        block.pointee.data.picture.depth = UInt32(cover.bitsPerPixel)
        var mime = Array(cover.kind.rawValue.utf8CString)
        var description: [UInt8] = [0]
        var bytes = cover.bytes
        let ok = mime.withUnsafeMutableBufferPointer { FLAC__metadata_object_picture_set_mime_type(block, $0.baseAddress, 1) } != 0
            && description.withUnsafeMutableBufferPointer { FLAC__metadata_object_picture_set_description(block, $0.baseAddress, 1) } != 0
            && bytes.withUnsafeMutableBufferPointer { FLAC__metadata_object_picture_set_data(block, $0.baseAddress, UInt32($0.count), 1) } != 0
        guard ok else {
            FLAC__metadata_object_delete(block)
            return nil
        }
        return block
    }

    /// A non-CD cuesheet: track N starts at chapter N (index 01 at its
    /// start), and the lead-out, track 255, at the end of the audio, which
    /// is known only at the end: `leadOutPatch` writes it then.
    private static func cuesheet(_ chapters: [ChapterMark], sampleRate: Int) -> UnsafeMutablePointer<FLAC__StreamMetadata>? {
        guard let block = FLAC__metadata_object_new(FLAC__METADATA_TYPE_CUESHEET) else { return nil }
        block.pointee.data.cue_sheet.is_cd = 0
        let offsets = chapters.map { UInt64($0.startMilliseconds) * UInt64(sampleRate) / 1000 }
        for (index, offset) in offsets.enumerated() {
            guard FLAC__metadata_object_cuesheet_insert_blank_track(block, UInt32(index)) != 0,
                FLAC__metadata_object_cuesheet_track_insert_blank_index(block, UInt32(index), 0) != 0
            else {
                FLAC__metadata_object_delete(block)
                return nil
            }
            let track = block.pointee.data.cue_sheet.tracks.advanced(by: index)
            track.pointee.offset = offset
            track.pointee.number = UInt8(index + 1)
            track.pointee.indices.pointee.number = 1
            track.pointee.indices.pointee.offset = 0
        }
        let leadOut = UInt32(offsets.count)
        guard FLAC__metadata_object_cuesheet_insert_blank_track(block, leadOut) != 0 else {
            FLAC__metadata_object_delete(block)
            return nil
        }
        let track = block.pointee.data.cue_sheet.tracks.advanced(by: Int(leadOut))
        track.pointee.number = 255
        track.pointee.offset = offsets.last ?? 0  // until the end is known
        return block
    }

    /// Where the lead-out track's offset lies in `header`, the bytes libFLAC
    /// wrote before the first frame ("fLaC" and the metadata blocks), or nil
    /// without a cuesheet.
    static func leadOutOffset(in header: [UInt8], tracks: Int) -> Int? {
        var offset = 4
        while offset + 4 <= header.count {
            let type = header[offset] & 0x7F
            let length = Int(header[offset + 1]) << 16 | Int(header[offset + 2]) << 8 | Int(header[offset + 3])
            if type == UInt8(FLAC__METADATA_TYPE_CUESHEET.rawValue) {
                // Catalog (128), lead-in (8), flags and reserved (259), track count (1);
                // each track before the lead-out: 36 bytes and one 12-byte index.
                return offset + 4 + 396 + tracks * 48
            }
            if header[offset] & 0x80 != 0 { return nil }
            offset += 4 + length
        }
        return nil
    }
}

extension CoverArt {
    /// Bits per pixel, for FLAC's PICTURE block: a PNG's from its header,
    /// 24 for a JPEG (its colour JPEGs; the header is not read further).
    var bitsPerPixel: Int {
        guard kind == .png, bytes.count >= 26 else { return 24 }
        let samples = [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][Int(bytes[25])] ?? 3
        return Int(bytes[24]) * samples
    }
}
