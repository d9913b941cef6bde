import GustCommands

@main
struct Gust {
    static func main() async {
        await GustCommand.main()
    }
}
