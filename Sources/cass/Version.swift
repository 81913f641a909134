/// The release this build is, printed by `cass --version`. Raised by hand
/// at each release (there is no build step that could stamp it).
enum OpenCASSVersion {
    static let text = "0.9.0"
}
