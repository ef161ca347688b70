// Command timpani collects posts from content sources, archives every raw
// download, runs each item through a workflow of text models and shows what
// is trending. See README.md.
package main

import "os"

func main() { os.Exit(run(os.Args[1:])) }
