import Foundation

extension Double {
    /// Rounded to `places` decimal places: seconds and decibels in the
    /// documents people read, without float noise in the last digits.
    func rounded(toPlaces places: Int) -> Double {
        let scale = Foundation.pow(10, Double(places))
        return (self * scale).rounded() / scale
    }
}
