import ServiceLifecycle

extension Supervisor {
    /// The service group a supervisor runs in; it owns the signals, as
    /// PostgreSQL's smart and fast shutdowns do. SIGTERM starts a graceful
    /// shutdown: nothing more is claimed and running jobs may finish; once
    /// `shutdown_grace_s` has passed the group cancels the supervisor, which
    /// returns the jobs still running to `new/`. SIGINT (Ctrl-C) cancels at
    /// once, also after a SIGTERM.
    public func serviceGroup() -> ServiceGroup {
        var configuration = ServiceGroupConfiguration(
            services: [.init(service: self, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm],
            cancellationSignals: [.sigint],
            logger: logger)
        configuration.maximumGracefulShutdownDuration = .milliseconds(Int64(config.shutdownGraceSeconds * 1000))
        return ServiceGroup(configuration: configuration)
    }
}
