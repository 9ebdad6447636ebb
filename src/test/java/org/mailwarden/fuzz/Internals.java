package org.mailwarden.fuzz;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.List;

/**
 * The parsers' package-private entry points, reached through method handles: the fuzz targets live in their own
 * package, so that none of them needs a door in the parsers' packages. A handle throws what the parser throws
 * (no InvocationTargetException in between), which is what a fuzz target judges. A renamed or re-shaped entry
 * point fails here, when the target class loads, naming what it looked for.
 */
final class Internals {

    private Internals() {}

    static Class<?> type(String name) {
        try {
            return Class.forName(name, true, Internals.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("fuzz target: no class " + name, e);
        }
    }

    /** The one method {@code name} of {@code owner} (static or not) taking {@code arity} parameters. */
    static MethodHandle method(String owner, String name, int arity) {
        Class<?> c = type(owner);
        List<Method> found = Arrays.stream(c.getDeclaredMethods())
                .filter(m -> m.getName().equals(name) && m.getParameterCount() == arity && !m.isSynthetic()).toList();
        try {
            return lookup(c).unreflect(only(found, owner + "." + name, arity));
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The method {@code name} of {@code owner} (static or not) with exactly these parameter types. */
    static MethodHandle method(String owner, String name, Class<?>... parameterTypes) {
        Class<?> c = type(owner);
        try {
            Method m = c.getDeclaredMethod(name, parameterTypes);
            return lookup(c).unreflect(only(List.of(m), owner + "." + name, parameterTypes.length));
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("fuzz target: no " + owner + "." + name + Arrays.toString(parameterTypes)
                    + ": the parser's entry point changed, update " + Internals.class.getPackageName(), e);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The one constructor of {@code owner} taking {@code arity} parameters. */
    static MethodHandle constructor(String owner, int arity) {
        Class<?> c = type(owner);
        List<Constructor<?>> found = Arrays.stream(c.getDeclaredConstructors())
                .filter(k -> k.getParameterCount() == arity).toList();
        try {
            return lookup(c).unreflectConstructor(only(found, owner + ".<init>", arity));
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An instance of a package-private interface whose every method does nothing and returns null. */
    static Object noOp(String interfaceName) {
        Class<?> i = type(interfaceName);
        return Proxy.newProxyInstance(i.getClassLoader(), new Class<?>[] {i}, (proxy, m, args) -> switch (m.getName()) {
            case "hashCode" -> System.identityHashCode(proxy);
            case "equals" -> proxy == args[0];
            case "toString" -> "no-op " + interfaceName;
            default -> null;
        });
    }

    private static MethodHandles.Lookup lookup(Class<?> c) throws IllegalAccessException {
        return MethodHandles.privateLookupIn(c, MethodHandles.lookup());
    }

    private static <T extends Executable> T only(List<T> found, String what, int arity) {
        if (found.size() != 1) {
            throw new IllegalStateException("fuzz target: expected one " + what + " with " + arity
                    + " parameter(s), found " + found.size() + ": the parser's entry point changed, update "
                    + Internals.class.getPackageName());
        }
        T e = found.getFirst();
        e.setAccessible(true);
        return e;
    }
}
