print("Hello, Docker!")
