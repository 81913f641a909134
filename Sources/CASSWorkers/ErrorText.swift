import CASSRender
import Foundation

/// Errors as sentences for people: what failed and why in plain words,
/// never a Foundation dump (`Error Domain=NSCocoaErrorDomain Code=513`).
public enum ErrorText {
    /// The reason part: "permission denied", "no space left on the device".
    public static func reason(_ error: any Error) -> String {
        if let atomic = error as? AtomicFileError {
            switch atomic {
            case .cannotCreate(_, let code), .cannotWrite(_, let code): return posix(code)
            }
        }
        if let posixError = error as? POSIXError { return posix(posixError.code.rawValue) }
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return posix(Int32(underlying.code))
        }
        if ns.domain == NSPOSIXErrorDomain { return posix(Int32(ns.code)) }
        if ns.domain == NSCocoaErrorDomain {
            switch CocoaError.Code(rawValue: ns.code) {
            case .fileNoSuchFile, .fileReadNoSuchFile: return "no such file or folder"
            case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
            case .fileWriteOutOfSpace: return "no space left on the device"
            case .fileWriteVolumeReadOnly: return "the file system is read-only"
            case .fileWriteFileExists: return "a file of that name is in the way"
            case .fileReadCorruptFile: return "the file cannot be read"
            case .fileReadTooLarge: return "the file is too large"
            case .fileReadInvalidFileName, .fileWriteInvalidFileName: return "the name is not valid here"
            default: break
            }
        }
        if ns.domain == NSCocoaErrorDomain { return ns.localizedDescription }
        return "\(error)"
    }

    /// A whole sentence: the error's own description when it is one of
    /// ours, otherwise "cannot do X: reason" built from the path.
    public static func sentence(_ error: any Error) -> String {
        if let atomic = error as? AtomicFileError {
            switch atomic {
            case .cannotCreate(let path, let code): return "cannot create \(path): \(posix(code))"
            case .cannotWrite(let path, let code): return "cannot write \(path): \(posix(code))"
            }
        }
        let ns = error as NSError
        if ns.domain == NSCocoaErrorDomain {
            let path = (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
            let verb = ns.code >= CocoaError.fileWriteUnknown.rawValue ? "cannot write" : "cannot read"
            return path.map { "\(verb) \($0): \(reason(error))" } ?? "\(verb): \(reason(error))"
        }
        if ns.domain == NSPOSIXErrorDomain { return reason(error) }
        return "\(error)"
    }

    public static func posix(_ code: Int32) -> String {
        switch code {
        case EACCES, EPERM: return "permission denied"
        case ENOENT: return "no such file or folder"
        case ENOSPC: return "no space left on the device"
        case EROFS: return "the file system is read-only"
        case ENAMETOOLONG: return "the name is too long for the file system"
        case EISDIR: return "it is a folder"
        case ENOTDIR: return "a part of the path is not a folder"
        case EDQUOT: return "the disk quota is exhausted"
        default: return String(cString: strerror(code)).lowercased()
        }
    }
}
