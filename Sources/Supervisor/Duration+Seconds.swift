extension Duration {
    /// Seconds, to 0.1 ms: as timings are written in result.json.
    var seconds: Double {
        (Double(components.seconds) + Double(components.attoseconds) / 1e18).rounded(toPlaces: 4)
    }
}
