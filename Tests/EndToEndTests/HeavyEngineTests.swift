import Testing

/// The engines that load PyTorch models (Demucs, XTTS), one test at a time:
/// several at once would each start a torch process and crowd out the
/// timing-sensitive tests running beside them.
@Suite(.serialized) enum HeavyEngineTests {}
