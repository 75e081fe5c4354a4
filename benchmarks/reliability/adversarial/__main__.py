from benchmarks.reliability.adversarial import main

main()
