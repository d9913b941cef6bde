import Foundation
import Logging

/// The directory of packages `python3.x` functions import without bundling them: boto3, as
/// Lambda's Python runtimes provide it. Gust does not install it (that needs the network and
/// pip); the run and test scripts do, with `pip install --target DIR boto3`.
enum PythonPackages {
    static func defaultDirectory(dataDirectory: String) -> String { "\(dataDirectory)/runtime/python" }

    /// The directory when it holds boto3, else nil with a warning: Gust runs without it, and a
    /// function importing boto3 then fails with ImportError, as it would on a runtime without it.
    static func find(configured: String?, dataDirectory: String, logger: Logger) -> String? {
        let directory = URL(fileURLWithPath: configured ?? defaultDirectory(dataDirectory: dataDirectory)).standardizedFileURL.path
        guard FileManager.default.fileExists(atPath: "\(directory)/boto3/__init__.py") else {
            logger.warning(
                "no boto3 for python functions in \(directory): python3 -m pip install --target \(directory) boto3 (or --python-packages DIR)")
            return nil
        }
        logger.info("python packages", metadata: ["directory": "\(directory)"])
        return directory
    }
}
