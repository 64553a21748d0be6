import Basics
import Foundation
import Spool
import Testing

/// job.json's scripts, chapters, subtitles, lexicon and split: read
/// strictly, every mistake named by its field.
@Suite struct ScriptSpecTests {
    func parse(_ json: String, limits: SpoolLimits = SpoolLimits()) throws(DocumentError) -> JobSpec {
        try JobSpec.parse(Data(json.utf8), limits: limits)
    }

    @Test func aScriptNamesEachLinesEngineAndTheJobsEngineMayBeLeftOut() throws {
        let spec = try parse(
            """
            {"script": [
              {"text": "Hello there.", "engine": "piper", "voice": "joe", "pause_after_ms": 300},
              {"text": "Hi.", "engine": "espeak", "params": {"speed": 150}, "inputs": {"reference": "me.wav"}}],
             "subtitles": ["srt", "vtt"], "lexicon": {"Worcester": "Wuster"}}
            """)
        #expect(spec.engine == "piper", "the first line's engine is the job's")
        #expect(spec.script?.count == 2)
        #expect(spec.script?[0].voice == "joe" && spec.script?[0].pauseAfterMilliseconds == 300)
        #expect(spec.script?[1].params["speed"] == .number(150))
        #expect(spec.script?[1].inputs == ["reference": "me.wav"])
        #expect(spec.subtitles == [.srt, .vtt])
        #expect(spec.lexicon == ["Worcester": "Wuster"])
        #expect(spec.allLines.map(\.number) == [1, 2])
        #expect(try JobSpec.parse(JSONEncoder().encode(spec)) == spec, "encodes back to the same job")
    }

    @Test func chaptersHoldTextOrScriptAndMaySplitTheOutput() throws {
        let spec = try parse(
            """
            {"engine": "piper", "chapter_pause_ms": 1500, "chapters": [
              {"title": "One", "text": "First chapter."},
              {"title": "Two", "script": [{"text": "Second.", "engine": "espeak"}, {"text": "Third."}]}],
             "outputs": [{"format": "mp3", "split": "chapters"}, {"format": "opus", "split": "chapters_only"}, {"format": "m4b"}]}
            """)
        #expect(spec.chapters?.map(\.title) == ["One", "Two"])
        #expect(spec.chapterPauseMilliseconds == 1500)
        #expect(spec.outputs.map(\.split) == [.chapters, .chaptersOnly, nil])
        #expect(spec.allLines.map { "\($0.chapter!)/\($0.number)" } == ["0/1", "1/1", "1/2"])
        #expect(try JobSpec.parse(JSONEncoder().encode(spec)) == spec)
    }

    @Test(arguments: [
        (#"{"script": [{"text": "Hi."}]}"#, "missing required field \"engine\": script[0] names no engine of its own"),
        (#"{"engine": "x", "script": []}"#, "field \"script\" must list at least one line"),
        (#"{"engine": "x", "script": ["Hi."]}"#, "script[0] must be a line such as"),
        (#"{"engine": "x", "script": [{"engine": "y"}]}"#, "missing required field \"script[0].text\""),
        (#"{"engine": "x", "script": [{"text": "  "}]}"#, "field \"script[0].text\" is only blanks"),
        (#"{"engine": "x", "script": [{"text": "a", "pause_after_ms": -1}]}"#, "field \"script[0].pause_after_ms\" must be an integer from 0 to 60000, got -1"),
        (#"{"engine": "x", "script": [{"text": "a", "speaker": "b"}]}"#, "unknown field \"script[0].speaker\""),
        (#"{"engine": "x", "script": [{"text": "a", "voice": "v", "params": {"voice": "w"}}]}"#, "give either \"script[0].voice\" or \"script[0].params.voice\""),
        (#"{"engine": "x", "script": [{"text": "a", "inputs": {"ref": "../x.wav"}}]}"#, "field \"script[0].inputs.ref\" must stay inside the job folder"),
        (#"{"engine": "x", "text": "a", "script": [{"text": "a"}]}"#, "give one of \"text\", \"text_file\", \"script\" or \"chapters\", not \"text\" and \"script\""),
        (#"{"engine": "x", "chapters": [{"title": "A"}]}"#, "chapters[0] needs \"text\" or \"script\", and gives neither"),
        (#"{"engine": "x", "chapters": [{"title": "A", "text": "a", "script": [{"text": "b"}]}]}"#, "chapters[0]: give either \"text\" or \"script\", not both"),
        (#"{"engine": "x", "chapters": [{"text": "a"}]}"#, "missing required field \"chapters[0].title\""),
        (#"{"engine": "x", "chapters": {"title": "A"}}"#, "field \"chapters\" must be an array, but it is an object"),
        (#"{"chapters": [{"title": "A", "text": "a"}]}"#, "missing required field \"engine\": chapters[0] gives \"text\""),
        (#"{"engine": "x", "text": "a", "chapter_pause_ms": 10}"#, "field \"chapter_pause_ms\" is the silence between chapters; give \"chapters\" too"),
        (#"{"engine": "x", "chapters": [{"title": "A", "text": "a"}], "chapter_pause_ms": 70000}"#, "field \"chapter_pause_ms\" must be an integer from 0 to 60000, got 70000"),
        (#"{"engine": "x", "text": "a", "subtitles": ["ass"]}"#, "field \"subtitles[0]\" must be \"srt\" or \"vtt\", got \"ass\""),
        (#"{"engine": "x", "text": "a", "subtitles": []}"#, "field \"subtitles\" must list \"srt\", \"vtt\" or both, but the list is empty"),
        (#"{"engine": "x", "text": "a", "subtitles": ["srt", "srt"]}"#, "field \"subtitles\" names \"srt\" twice"),
        (#"{"engine": "x", "subtitles": ["srt"]}"#, "field \"subtitles\" times the job's text"),
        (#"{"engine": "x", "text": "a", "subtitles": "srt"}"#, "field \"subtitles\" must be an array, but it is the string \"srt\""),
        (#"{"engine": "x", "text": "a", "lexicon": {"Worcester": 5}}"#, "field \"lexicon.Worcester\" must be a string, but it is the number 5"),
        (#"{"engine": "x", "text": "a", "lexicon": {"  ": "x"}}"#, "field \"lexicon\" has the entry \"  \"; an entry is a word or phrase"),
        (#"{"engine": "x", "text": "a", "lexicon": ["Worcester"]}"#, "field \"lexicon\" must be an object, but it is an array"),
        (#"{"engine": "x", "text": "a", "output": {"format": "mp3", "split": "chapters"}}"#, "field \"output.split\" cuts the audio at its chapters; give \"chapters\" too"),
        (#"{"engine": "x", "chapters": [{"title": "A", "text": "a"}], "outputs": [{"format": "mp3", "split": "pages"}]}"#, "field \"outputs[0].split\" must be \"chapters\""),
    ])
    func badEpisodesAreRejectedNamingTheField(json: String, message: String) {
        do {
            _ = try parse(json)
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.message.hasPrefix(message), "\(error.message)")
        }
    }

    @Test func tooManyChaptersAreRefused() {
        let chapters = (0...255).map { #"{"title": "C\#($0)", "text": "a"}"# }.joined(separator: ",")
        #expect(throws: DocumentError("field \"chapters\" holds 256 chapters; at most 255 fit in every container")) {
            try parse(#"{"engine": "x", "chapters": [\#(chapters)]}"#)
        }
    }

    @Test func theLinesTogetherAreHeldToTheTextLimit() {
        var limits = SpoolLimits()
        limits.maxTextCharacters = 5
        #expect(throws: DocumentError("the job's lines have 6 characters in all, over the limit of 5")) {
            try parse(#"{"engine": "x", "script": [{"text": "abc"}, {"text": "def"}]}"#, limits: limits)
        }
    }
}
